import './theme.css';
import { mount, type Component } from 'svelte';
import { cognitoRegion, ConfigError, demoOidcConfig, loadConfig, type AppConfig } from '../lib/config';
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

const clock = { skewMs: 0 };

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
    // Production builds know no demo: a missing config.json or "mode": "demo" is a config error there.
    config = await loadConfig('config.json', fetch, { demo: __SESSIONBOX_DEMO__ });
  } catch (err) {
    await catalog;
    if (err instanceof ConfigError) show(ConfigErrorPage, { problems: err.problems });
    else failed(errorMessage(err));
    return;
  }
  await catalog;
  // The demo signs in with its stand-in provider, on this origin so it works offline.
  if (__SESSIONBOX_DEMO__ && config.mode === 'demo') config.oidc ??= demoOidcConfig(location.href);

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
    // The only way to the emulation code: production builds drop this branch and never download it.
    if (__SESSIONBOX_DEMO__ && config.mode === 'demo') await (await import('../demo/start')).startDemo(config, clock);
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
