// OAuth authorization code grant with PKCE (S256) and a one-shot loopback callback server.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { errorName, oidcEndpoint, upstreamFailure } from '../aws/clients.js';
import { createToken, RegistrationRejectedError, SignInError, tokenFromResponse } from './tokens.js';
import type { ClientRegistration, SignInHooks, SsoSessionConfig, SsoToken } from './types.js';

const CALLBACK_PATH = '/oauth/callback';
const CALLBACK_TIMEOUT_MS = 10 * 60_000;

const base64url = (buf: Buffer) => buf.toString('base64url');

interface CallbackResult {
  code: string;
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** Waits for the browser to come back to the loopback redirect with `code` and our `state`. */
function awaitCallback(server: Server, state: string, signal?: AbortSignal): Promise<CallbackResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SignInError('the browser sign-in timed out; run keyfob login again')), CALLBACK_TIMEOUT_MS);
    signal?.addEventListener('abort', () => reject(new SignInError('sign-in was cancelled')), { once: true });
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== CALLBACK_PATH) {
        res.writeHead(404).end();
        return;
      }
      const error = url.searchParams.get('error');
      const code = url.searchParams.get('code');
      const ok = !error && code && url.searchParams.get('state') === state;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(ok ? '<h1>Signed in to keyfob</h1><p>You can close this tab.</p>' : '<h1>keyfob sign-in failed</h1><p>Return to your terminal.</p>');
      clearTimeout(timer);
      if (ok) resolve({ code: code! });
      else if (error === 'access_denied') reject(new SignInError('sign-in was denied in the browser; run keyfob login again to retry'));
      else reject(new SignInError(`the browser sign-in failed (${error ?? 'state mismatch'}); run keyfob login again`));
    });
  });
}

export async function pkceSignIn(session: SsoSessionConfig, reg: ClientRegistration, hooks: SignInHooks): Promise<SsoToken> {
  const verifier = base64url(randomBytes(48));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const state = base64url(randomBytes(16));
  const server = createServer();
  try {
    const port = await listenOnLoopback(server);
    const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
    const authorize = new URL(`${oidcEndpoint(session.region)}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: reg.clientId,
      redirect_uri: redirectUri,
      state,
      code_challenge_method: 'S256',
      scopes: session.scopes.join(','),
      code_challenge: challenge,
    }).toString();
    const callback = awaitCallback(server, state, hooks.signal);
    hooks.onPrompt({ method: 'pkce', url: authorize.toString() });
    const { code } = await callback;
    try {
      const out = await createToken(session, reg, { grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri });
      return tokenFromResponse(out);
    } catch (err) {
      if (errorName(err) === 'InvalidClientException') throw new RegistrationRejectedError();
      throw upstreamFailure(err, 'finishing the browser sign-in');
    }
  } finally {
    server.closeAllConnections?.();
    server.close();
  }
}
