// Client side of sign-in: ask the daemon to run it, show its prompt on stderr, and open the
// browser here, as the user: the daemon never runs a program (see docs/security.md).
import { KeyfobError } from '../../core/errors.js';
import { defaultSignInMethod, openInBrowser, pickBrowserEnv } from '../../signin/browser.js';
import type { SsoSessionConfig } from '../../signin/types.js';
import { visible } from '../../core/terminalText.js';
import { ROUTES, type LoginEvent, type LoginRequest } from '../protocol.js';
import { daemonEvents } from './connection.js';

export interface LoginOptions {
  /** The definition to sign in with, as the caller resolved it (it need not be in the config yet). */
  session: SsoSessionConfig;
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
  const exportToAwsCli = opts.exportToAwsCli ?? exportSetting(env);
  const { name, startUrl, region, scopes } = opts.session;
  const request: LoginRequest = {
    ssoSession: name,
    startUrl,
    region,
    scopes,
    // Over a forwarded socket (KEYFOB_NO_START=1) the PKCE callback would listen on the daemon's
    // machine, out of this browser's reach: the device code works from anywhere.
    method: defaultSignInMethod(browserEnv, { ...opts, deviceCode: opts.deviceCode || env.KEYFOB_NO_START === '1' }),
    ...(exportToAwsCli === undefined ? {} : { exportToAwsCli }),
  };
  let result: LoginEvent | undefined;
  let opening: Promise<void> | undefined;
  // Ctrl-C ends this client, and with it the request: the daemon then stops the sign-in, unless
  // another client waits for the same one (it goes on for that client).
  const interrupted = () => {
    print('keyfob: sign-in cancelled (it goes on only if another keyfob waits for it; keyfob status shows it)');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  const events = daemonEvents<LoginEvent>(
    'POST',
    ROUTES.login,
    request,
    (event) => {
      if (event.event !== 'prompt') {
        result = event;
        return;
      }
      // Everything here came over the socket: escaped before it reaches the terminal.
      if (event.userCode) {
        print(`To sign in, open ${visible(event.verificationUri ?? event.url)}`);
        print(`and confirm the code ${visible(event.userCode)} (or open ${visible(event.url)})`);
      } else {
        print(`To sign in, open ${visible(event.url)}`);
      }
      // A sign-in someone else started is already showing its page; one tab is enough.
      if (event.joined) print('(joined a sign-in already under way)');
      else opening ??= openInBrowser(event.url, browserEnv).catch(() => undefined);
    },
    { env },
  );
  await events.finally(() => process.off('SIGINT', interrupted));
  await opening;
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
