// The demo identity provider's sign-in page (demo-sign-in.html): checks the authorization request,
// asks for a user name and sends the browser back to redirect_uri with a code and the state. The
// token endpoint that redeems the code runs in the demo's service worker (src/mocks/oidc.ts).

import '../app/theme.css';
import './sign-in.css';

const TEXT = {
  badRequest: (why: string) => `This sign-in link is not valid: ${why}. Go back to sessionbox and choose “Sign in” again.`,
  nameRequired: 'Type a user name. Any name works; the same name opens the same files again.',
  nameTooLong: 'Use at most 64 characters.',
};

const CODE_LIFETIME_MS = 5 * 60_000;

function encode(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

interface AuthRequest {
  clientId: string;
  redirectUri: URL;
  state: string;
  challenge: string;
  nonce?: string;
}

function parseRequest(params: URLSearchParams): AuthRequest | string {
  if (params.get('response_type') !== 'code') return 'response_type must be "code"';
  const clientId = params.get('client_id');
  if (!clientId) return 'client_id is missing';
  const state = params.get('state');
  if (!state) return 'state is missing';
  const challenge = params.get('code_challenge');
  if (!challenge || params.get('code_challenge_method') !== 'S256') return 'PKCE (code_challenge with method S256) is required';
  let redirectUri: URL;
  try {
    redirectUri = new URL(params.get('redirect_uri') ?? '');
  } catch {
    return 'redirect_uri is missing or not a URL';
  }
  // A demo provider that redirects codes anywhere would be an open redirector: only to this origin.
  if (redirectUri.origin !== location.origin) return `redirect_uri must be on ${location.origin}`;
  const nonce = params.get('nonce') ?? undefined;
  return { clientId, redirectUri, state, challenge, ...(nonce ? { nonce } : {}) };
}

function back(req: AuthRequest, params: Record<string, string>): void {
  const url = new URL(req.redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.searchParams.set('state', req.state);
  location.replace(url.href);
}

function start(): void {
  const req = parseRequest(new URLSearchParams(location.search));
  if (typeof req === 'string') {
    const problem = byId<HTMLParagraphElement>('problem');
    problem.textContent = TEXT.badRequest(req);
    problem.hidden = false;
    return;
  }
  const form = byId<HTMLFormElement>('form');
  const input = byId<HTMLInputElement>('user');
  const error = byId<HTMLParagraphElement>('user-error');
  byId<HTMLElement>('client').textContent = `${req.redirectUri.host}${req.redirectUri.pathname}`;
  form.hidden = false;
  input.focus();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const user = input.value.trim();
    const message = !user ? TEXT.nameRequired : user.length > 64 ? TEXT.nameTooLong : '';
    error.textContent = message;
    error.hidden = !message;
    input.setAttribute('aria-invalid', String(Boolean(message)));
    if (message) {
      input.setAttribute('aria-describedby', 'user-error');
      input.focus();
      return;
    }
    const code = encode({
      user,
      clientId: req.clientId,
      redirectUri: req.redirectUri.href,
      challenge: req.challenge,
      ...(req.nonce ? { nonce: req.nonce } : {}),
      expires: Date.now() + CODE_LIFETIME_MS,
    });
    back(req, { code });
  });
  byId<HTMLButtonElement>('cancel').addEventListener('click', () =>
    back(req, { error: 'access_denied', error_description: 'The sign-in was cancelled.' }),
  );
}

start();
