// Client side of sign-in: ask the daemon to run it and show its prompt on stderr.
import { KeyfobError } from '../../errors.js';
import { defaultSignInMethod, pickBrowserEnv } from '../../signin/browser.js';
import { ROUTES, type LoginEvent } from '../protocol.js';
import { daemonRequest } from './connection.js';

export interface LoginOptions {
  ssoSession: string;
  deviceCode?: boolean;
  noBrowser?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where prompts go; stderr, so stdout stays clean for credential_process and eval. */
  print?: (line: string) => void;
}

export async function loginThroughDaemon(opts: LoginOptions): Promise<{ expiresAt: string }> {
  const env = opts.env ?? process.env;
  const print = opts.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const browserEnv = pickBrowserEnv(env);
  if (opts.noBrowser) browserEnv.KEYFOB_BROWSER = 'none';
  const method = defaultSignInMethod(browserEnv, opts);
  let buffered = '';
  let result: LoginEvent | undefined;
  const onLine = (line: string) => {
    if (!line.trim()) return;
    const event = JSON.parse(line) as LoginEvent;
    if (event.event === 'prompt') {
      if (event.userCode) {
        print(`To sign in, open ${event.verificationUri ?? event.url}`);
        print(`and confirm the code ${event.userCode} (or open ${event.url})`);
      } else {
        print(`To sign in, open ${event.url}`);
      }
    } else {
      result = event;
    }
  };
  const res = await daemonRequest('POST', ROUTES.login, { ssoSession: opts.ssoSession, method, browserEnv }, {
    env,
    onData: (text) => {
      buffered += text;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    },
  });
  onLine(buffered);
  if (res.status >= 400 && !result) {
    const parsed = JSON.parse(res.body || '{}') as { error?: { code: string; message: string } };
    throw new KeyfobError(parsed.error?.code ?? 'LoginFailed', parsed.error?.message ?? `login failed (HTTP ${res.status})`, res.status);
  }
  if (!result) throw new KeyfobError('LoginFailed', 'the daemon ended the sign-in without an answer; see KEYFOB_HOME/daemon.log');
  if (result.event === 'error') throw new KeyfobError(result.error.code, result.error.message);
  if (result.event !== 'signed-in') throw new KeyfobError('LoginFailed', 'unexpected answer from the daemon');
  return { expiresAt: result.expiresAt };
}
