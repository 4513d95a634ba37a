// Client side of sign-in: ask the daemon to run it and show its prompt on stderr.
import { KeyfobError } from '../../errors.js';
import { defaultSignInMethod, pickBrowserEnv } from '../../signin/browser.js';
import { ROUTES, type LoginEvent } from '../protocol.js';
import { daemonEvents } from './connection.js';

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
  let result: LoginEvent | undefined;
  await daemonEvents<LoginEvent>(
    'POST',
    ROUTES.login,
    { ssoSession: opts.ssoSession, method, browserEnv },
    (event) => {
      if (event.event !== 'prompt') {
        result = event;
      } else if (event.userCode) {
        print(`To sign in, open ${event.verificationUri ?? event.url}`);
        print(`and confirm the code ${event.userCode} (or open ${event.url})`);
      } else {
        print(`To sign in, open ${event.url}`);
      }
    },
    { env },
  );
  if (!result) throw new KeyfobError('LoginFailed', 'the daemon ended the sign-in without an answer; see KEYFOB_HOME/daemon.log');
  if (result.event === 'error') throw new KeyfobError(result.error.code, result.error.message);
  if (result.event !== 'signed-in') throw new KeyfobError('LoginFailed', 'unexpected answer from the daemon');
  return { expiresAt: result.expiresAt };
}
