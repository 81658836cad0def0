/** True in the dev server and `npm run build:demo`; false in production builds, which drop the demo code. */
declare const __SESSIONBOX_DEMO__: boolean;
