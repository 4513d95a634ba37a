import type { CommandModule } from 'yargs';

interface LogoutArgs {
  'sso-session'?: string;
  all?: boolean;
}

const command: CommandModule<object, LogoutArgs> = {
  command: 'logout',
  describe: "Sign out: ends the portal session, removes the token from the keychain and the AWS CLI's cache (if exported), drops cached credentials",
  builder: (y) =>
    y
      .option('sso-session', { type: 'string', describe: 'the session to sign out of' })
      .option('all', { type: 'boolean', describe: 'sign out of every session' })
      .conflicts('sso-session', 'all'),
  handler: async (args) => {
    const { daemonRequest, parseAnswer } = await import('../daemon/client/connection.js');
    const { ROUTES } = await import('../daemon/protocol.js');
    let body: { ssoSession?: string; all?: boolean } = { all: true };
    if (!args.all) {
      const { configFile } = await import('../paths.js');
      const { readAwsConfig } = await import('../config/awsConfig.js');
      const { pickSsoSession } = await import('../config/ssoSessions.js');
      body = { ssoSession: pickSsoSession(await readAwsConfig(configFile()), args['sso-session']).name };
    }
    const { loggedOut } = parseAnswer<{ loggedOut: string[] }>(await daemonRequest('POST', ROUTES.logout, body));
    const { visible } = await import('../terminalText.js');
    process.stdout.write(loggedOut.length ? `Signed out of ${visible(loggedOut.join(', '))}\n` : 'Nothing to sign out of\n');
  },
};
export default command;
