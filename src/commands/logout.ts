import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const LOGOUT = {
  name: 'logout',
  describe:
    "Sign out of IAM Identity Center: ends the portal session, removes the token from the keychain and the AWS CLI's cache (if exported), drops the credentials cached from it. " +
    'IAM user keys (keyfob add) are no sign-in and stay; keyfob remove PROFILE deletes them',
  positionals: [],
  options: {
    'sso-session': { type: 'string', describe: 'the session to sign out of' },
    all: { type: 'boolean', describe: 'sign out of every sign-in (IAM user keys stay)' },
  },
} as const satisfies CommandTable;

export default defineCommand(
  LOGOUT,
  async (args) => {
    const { daemonRequest, parseAnswer } = await import('../daemon/client/connection.js');
    const { ROUTES } = await import('../daemon/protocol.js');
    let body: { ssoSession?: string; all?: boolean } = { all: true };
    if (!args.all) {
      const { configFile } = await import('../core/paths.js');
      const { readAwsConfig } = await import('../config/awsConfig.js');
      const { pickSsoSession } = await import('../config/ssoSessions.js');
      body = { ssoSession: pickSsoSession(await readAwsConfig(configFile()), args['sso-session']).name };
    }
    const { loggedOut } = parseAnswer<{ loggedOut: string[] }>(await daemonRequest('POST', ROUTES.logout, body));
    const { visible } = await import('../core/terminalText.js');
    process.stdout.write(loggedOut.length ? `Signed out of ${visible(loggedOut.join(', '))}\n` : 'Nothing to sign out of\n');
    // Keys are not a session: say they stay, and how they go, so no one thinks logout removed them.
    const { fetchStatus } = await import('../daemon/client/status.js');
    const iamUsers = (await fetchStatus().catch(() => undefined))?.iamUsers ?? [];
    if (iamUsers.length) {
      process.stdout.write(`${visible(`IAM user keys stay in the keychain for ${iamUsers.join(', ')}; to delete them: keyfob remove PROFILE`)}\n`);
    }
  },
  (y) => y.conflicts('sso-session', 'all'),
);
