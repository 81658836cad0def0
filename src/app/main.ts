import './theme.css';
import { mount, type Component } from 'svelte';
import { cognitoRegion, ConfigError, loadConfig, type AppConfig } from '../lib/config';
import { StorageError } from '../lib/errors';
import App from './App.svelte';
import ConfigErrorPage from './ConfigErrorPage.svelte';
import MessagePage from './MessagePage.svelte';
import { errorMessage } from './format';
import type { FileStore } from './types';

const target = document.getElementById('app') ?? document.body;

function show<P extends Record<string, unknown>>(component: Component<P>, props: P): void {
  target.replaceChildren();
  mount(component, { target, props });
}

function failed(message: string, hint?: string): void {
  show(MessagePage, { title: 'sessionbox could not start', message, hint });
}

async function openStorage(config: AppConfig, core: Promise<[typeof import('../lib/credentials'), typeof import('../lib/storage')]>): Promise<FileStore> {
  if (config.mode === 'demo') {
    if (!window.isSecureContext || !('serviceWorker' in navigator)) {
      throw new StorageError(
        'InsecureContext',
        `The offline demo runs in a service worker, which browsers only allow on https:// or http://localhost pages, and this page is ${location.origin}. Open it via http://localhost or http://127.0.0.1 instead.`,
      );
    }
    // The only way to the emulation code: real deployments never download it.
    const { startDemoEmulation } = await import('../mocks/browser');
    await startDemoEmulation(config);
  }
  const [{ cognitoCredentials }, { Storage }] = await core;
  const credentials = cognitoCredentials({
    identityPoolId: config.identityPoolId,
    region: cognitoRegion(config),
    endpoint: config.endpoints.cognitoIdentity,
    identityIdCache: localStorage,
  });
  const storage: FileStore = await Storage.open(config, credentials, { signedIn: false });
  return storage;
}

async function start(): Promise<void> {
  // The storage core (mostly the AWS SDK) downloads while config.json loads.
  const core = Promise.all([import('../lib/credentials'), import('../lib/storage')]);
  core.catch(() => {}); // awaited (and reported) only once the config is good

  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) show(ConfigErrorPage, { problems: err.problems });
    else failed(errorMessage(err));
    return;
  }

  if (!config.allowGuests) {
    show(MessagePage, {
      title: 'Sign-in is not available yet',
      tone: 'info',
      retry: false,
      message:
        'This deployment sets "allowGuests": false in config.json, so only signed-in people may use it, and this version of sessionbox cannot sign you in yet.',
      hint: 'Operators: set "allowGuests": true in config.json to give each visitor a private guest folder.',
    });
    return;
  }

  let store: FileStore;
  try {
    store = await openStorage(config, core);
  } catch (err) {
    failed(
      errorMessage(err),
      config.mode === 'demo'
        ? 'The demo keeps everything in this browser; reloading usually helps.'
        : 'Operators: check region, bucket, identityPoolId and endpoints in config.json, and that the identity pool allows unauthenticated (guest) identities.',
    );
    return;
  }
  show(App, { config, store });
}

void start();
