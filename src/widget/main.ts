// The widget's entry: defines <sessionbox-upload> once, even when the page loads both the module
// and the classic build (or the same script twice).

import Upload from './SessionboxUpload.svelte';

const TAG = 'sessionbox-upload';

if (!customElements.get(TAG)) {
  customElements.define(TAG, (Upload as unknown as { element: CustomElementConstructor }).element);
}
