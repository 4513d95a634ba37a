// What the page's buttons do, run here in the portal process (the user's own client of the
// daemon): open a console, and the two copy actions, the only answers that carry keys.
import { KeyfobError } from '../core/errors.js';
import { openProfileConsole } from '../console/profileConsole.js';
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { withMfa } from '../daemon/client/mfaRetry.js';
import { ROUTES, type AssumeAnswer } from '../daemon/protocol.js';
import { assumeEnvironment } from '../render/environment.js';
import { envScript } from '../render/quote.js';

export interface PortalActions {
  /** Opens the AWS console as the profile's role, the way `keyfob console PROFILE` does. */
  openConsole(profile: string): Promise<void>;
  /** `export` lines for a POSIX shell (bash, zsh), as `assume` sets them. */
  exportLines(profile: string): Promise<string>;
  /** The credential_process JSON (version 1) the daemon answers for the profile. */
  credentialProcessJson(profile: string): Promise<string>;
}

export function portalActions(env: NodeJS.ProcessEnv = process.env): PortalActions {
  const ask = async <T>(route: string, profile: string) =>
    withMfa(profile, async () => parseAnswer<T>(await daemonRequest('GET', `${route}?profile=${encodeURIComponent(profile)}`, undefined, { env })));
  return {
    // The one way the portal opens a console: the same function as `keyfob console` and `assume -c`,
    // so the browser chosen for consoles (KEYFOB_CONSOLE_BROWSER, issue 21) applies here too.
    openConsole: (profile) => openProfileConsole({ profile }),
    exportLines: async (profile) => {
      // Through the assume route, so a copy counts as a use for the picker's (and this list's) order.
      const answer = await ask<AssumeAnswer>(ROUTES.assume, profile);
      const change = assumeEnvironment(answer, undefined, {});
      return envScript('bash', change.set, []);
    },
    credentialProcessJson: async (profile) => `${JSON.stringify(await ask<unknown>(ROUTES.credentials, profile), null, 2)}\n`,
  };
}

export function checkProfileName(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 512) throw new KeyfobError('BadRequest', 'name a profile');
  return value;
}
