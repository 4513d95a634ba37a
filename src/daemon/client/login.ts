// Client side of sign-in: ask the daemon to run it and show its prompt on stderr.
import { KeyfobError } from '../../errors.js';
import { defaultSignInMethod, pickBrowserEnv } from '../../signin/browser.js';
import { ROUTES, type LoginEvent } from '../protocol.js';
import { daemonEvents } from './connection.js';

export interface LoginOptions {
  ssoSession: string;
  deviceCode?: boolean;
  noBrowser?: boolean;
  /** Write the AWS CLI's token cache (true), remove it (false); unset: KEYFOB_EXPORT_TO_AWS_CLI, else the session's last choice. */
  exportToAwsCli?: boolean;
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
  const exportToAwsCli = opts.exportToAwsCli ?? exportSetting(env);
  let result: LoginEvent | undefined;
  await daemonEvents<LoginEvent>(
    'POST',
    ROUTES.login,
    { ssoSession: opts.ssoSession, method, browserEnv, ...(exportToAwsCli === undefined ? {} : { exportToAwsCli }) },
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

/** KEYFOB_EXPORT_TO_AWS_CLI=on|off; unset leaves the choice remembered for the session. */
function exportSetting(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = (env.KEYFOB_EXPORT_TO_AWS_CLI ?? '').trim().toLowerCase();
  if (value === '') return undefined;
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new KeyfobError('BadSetting', `KEYFOB_EXPORT_TO_AWS_CLI=${JSON.stringify(env.KEYFOB_EXPORT_TO_AWS_CLI)} is not supported; use on or off`);
}
