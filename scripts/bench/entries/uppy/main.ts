// What a site embedding Uppy for direct-to-S3 uploads ships: core, the Dashboard UI and
// @uppy/aws-s3 with client-side credentials, with their styles. Built only for its size.

import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import AwsS3 from '@uppy/aws-s3';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

new Uppy()
  .use(Dashboard, { inline: true, target: '#uploader' })
  .use(AwsS3, {
    s3Endpoint: 'https://bucket.s3.us-east-1.amazonaws.com',
    region: 'us-east-1',
    getCredentials: async () => (await fetch('/credentials')).json(),
  } as never);
