import './theme.css';
import { mount, type Component } from 'svelte';
import { cognitoRegion, ConfigError, demoOidcConfig, loadConfig, type AppConfig } from '../lib/config';
import { StorageError } from '../lib/errors';
import type { OidcClient, OidcUser } from '../lib/oidc';
import App from './App.svelte';
import ConfigErrorPage from './ConfigErrorPage.svelte';
import MessagePage from './MessagePage.svelte';
import SignInPage from './SignInPage.svelte';
import { errorMessage } from './format';
import { initI18n, t } from './i18n';
import { applyTheme, storedTheme } from './theme';
import { Session } from './session.svelte';
import type { FileStore } from './types';

// Before anything renders, so the first paint already has the chosen colours.
applyTheme(storedTheme());

const target = document.getElementById('app') ?? document.body;

function show<P extends Record<string, unknown>>(component: Component<P>, props: P): void {
  target.replaceChildren();
  mount(component, { target, props });
}

function failed(message: string, hint?: string): void {
  show(MessagePage, { title: t().start.failed, message, hint });
}

type Core = Promise<[typeof import('../lib/credentials'), typeof import('../lib/storage')]>;

/** In the demo only: lets the browser tests reach the emulation and the stand-in provider. */
export interface DemoHooks {
  emulator: import('../mocks/emulator').Emulator;
  oidc: import('../mocks/oidc').DemoOidc;
  /** Moves the session's clock, so its ID token looks expired without waiting an hour. */
  clockSkewMs: number;
}

const clock = { skewMs: 0 };

async function startDemo(config: AppConfig): Promise<void> {
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    throw new StorageError(
      'InsecureContext',
      `The offline demo runs in a service worker, which browsers only allow on https:// or http://localhost pages, and this page is ${location.origin}. Open it via http://localhost or http://127.0.0.1 instead.`,
    );
  }
  // The only way to the emulation code: real deployments never download it.
  const [{ startDemoEmulation }, { createDemoOidc }] = await Promise.all([import('../mocks/browser'), import('../mocks/oidc')]);
  const demo = await startDemoEmulation(config);
  if (config.oidc) {
    const oidc = createDemoOidc({
      issuer: config.oidc.authority,
      signInPage: new URL('demo-sign-in.html', config.oidc.redirectUri).href,
      clientId: config.oidc.clientId,
    });
    demo.worker.use(...oidc.handlers);
    const hooks: DemoHooks = {
      emulator: demo.emulator,
      oidc,
      get clockSkewMs() {
        return clock.skewMs;
      },
      set clockSkewMs(ms: number) {
        clock.skewMs = ms;
      },
    };
    (window as unknown as { sessionboxDemo: DemoHooks }).sessionboxDemo = hooks;
  }
}

async function openStorage(config: AppConfig, core: Core, session: Session): Promise<FileStore> {
  const [{ cognitoCredentials }, { Storage }] = await core;
  const signedIn = session.signedIn && config.oidc !== undefined;
  const credentials = cognitoCredentials({
    identityPoolId: config.identityPoolId,
    region: cognitoRegion(config),
    endpoint: config.endpoints.cognitoIdentity,
    // Only the guest identity id is remembered between visits; signed-in ids come from the login.
    ...(signedIn && config.oidc ? { logins: { [config.oidc.loginsProvider]: session.idToken } } : { identityIdCache: localStorage }),
  });
  const storage: FileStore = await Storage.open(config, credentials, { signedIn });
  return storage;
}

/** Where the app starts over after signing out (no query, no folder). */
function appHome(): string {
  return `${location.origin}${location.pathname}`;
}

async function start(): Promise<void> {
  // The storage core (mostly the AWS SDK) downloads while config.json loads.
  const core: Core = Promise.all([import('../lib/credentials'), import('../lib/storage')]);
  core.catch(() => {}); // awaited (and reported) only once the config is good

  // The catalog (English built in, others a small chunk) loads while config.json does.
  const catalog = initI18n();
  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    await catalog;
    if (err instanceof ConfigError) show(ConfigErrorPage, { problems: err.problems });
    else failed(errorMessage(err));
    return;
  }
  await catalog;
  // The demo signs in with its stand-in provider, on this origin so it works offline.
  if (config.mode === 'demo') config.oidc ??= demoOidcConfig(location.href);

  // oidc-client-ts is only downloaded where sign-in is configured.
  const oidcModule = config.oidc ? import('../lib/oidc') : undefined;
  oidcModule?.catch(() => {});
  const params = new URLSearchParams(location.search);
  const isCallback = config.oidc !== undefined && params.has('state') && (params.has('code') || params.has('error'));

  // A popup holds no request state of its own (oidc-client-ts keeps it as "oidc.<state>" in the
  // sessionStorage of the page that asked); a page merely opened by another one does.
  const inPopup = window.opener && window.opener !== window && sessionStorage.getItem(`oidc.${params.get('state')}`) === null;
  if (isCallback && config.oidc && inPopup) {
    // The sign-in popup came back: the page that opened it redeems the code.
    try {
      await (await oidcModule!).finishPopupSignIn(config.oidc, location.href);
      show(MessagePage, { title: t().start.signedIn, tone: 'info', retry: false, message: t().start.closePopup });
    } catch (err) {
      failed(errorMessage(err));
    }
    return;
  }

  try {
    if (config.mode === 'demo') await startDemo(config);
  } catch (err) {
    failed(errorMessage(err), t().start.demoHint);
    return;
  }

  let client: OidcClient | undefined;
  let user: OidcUser | undefined;
  let signInError: string | undefined;
  if (config.oidc && oidcModule) {
    try {
      const oidc = await oidcModule;
      client = oidc.createOidcClient(config.oidc);
      if (isCallback) {
        try {
          user = await client.handleRedirect(location.href);
        } finally {
          // The code is spent either way; it must not stay in the address bar or history.
          history.replaceState(history.state, '', oidc.withoutCallbackParams(location.href));
        }
      }
    } catch (err) {
      signInError = errorMessage(err);
    }
  }

  const session = new Session({ client, user, now: () => Date.now() + clock.skewMs });
  if (!user && (!config.allowGuests || signInError)) {
    const signInClient = client;
    if (!signInClient) {
      failed(signInError ?? t().start.noSignIn, t().start.oidcHint);
      return;
    }
    show(SignInPage, {
      allowGuests: config.allowGuests,
      error: signInError,
      onsignin: () => signInClient.signInRedirect(),
      onguest: () => void openApp(config, core, session),
    });
    return;
  }
  await openApp(config, core, session);
}

async function openApp(config: AppConfig, core: Core, session: Session): Promise<void> {
  let store: FileStore;
  try {
    store = await openStorage(config, core, session);
  } catch (err) {
    failed(
      errorMessage(err),
      config.mode === 'demo' ? t().start.demoHint : session.signedIn ? t().start.signedInHint : t().start.guestHint,
    );
    return;
  }
  show(App, {
    config,
    store,
    session,
    onsignout: async () => {
      await session.signOut();
      // A fresh start drops the credentials and everything signed-in with the page.
      location.replace(appHome());
    },
  });
}

void start();
