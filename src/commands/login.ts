import type { CommandModule } from 'yargs';

interface LoginArgs {
  'sso-session'?: string;
  'start-url'?: string;
  'sso-region'?: string;
  scopes?: string;
  browser: boolean;
  'device-code'?: boolean;
  'export-to-aws-cli'?: boolean;
  force?: boolean;
}

const command: CommandModule<object, LoginArgs> = {
  command: 'login',
  describe: 'Sign in to IAM Identity Center; the token goes into the OS keychain',
  builder: (y) =>
    y
      .option('sso-session', { type: 'string', describe: 'name of the [sso-session] section' })
      .option('start-url', { type: 'string', describe: 'AWS access portal URL, e.g. https://d-xxxxxxxxxx.awsapps.com/start' })
      .option('sso-region', { type: 'string', describe: 'region of IAM Identity Center' })
      .option('scopes', { type: 'string', describe: 'comma-separated registration scopes', default: undefined })
      .option('browser', { type: 'boolean', default: true, describe: 'open a browser (--no-browser prints the URL and uses the device code)' })
      .option('force', { type: 'boolean', describe: 'change the start URL or region of an existing [sso-session] (once the sign-in works)' })
      .option('device-code', { type: 'boolean', describe: 'use the device code flow even when a browser is at hand' })
      .option('export-to-aws-cli', {
        type: 'boolean',
        describe: "also write the token to the AWS CLI's cache (~/.aws/sso/cache, a token on disk) and keep it current; --no-export-to-aws-cli removes it",
      }),
  handler: async (args) => {
    const { planLogin, saveLoginSession } = await import('../config/ssoSessions.js');
    const { loginThroughDaemon } = await import('../daemon/client/login.js');
    const { visible } = await import('../core/terminalText.js');
    const { untilText } = await import('../core/time.js');
    const plan = await planLogin({
      name: args['sso-session'],
      startUrl: args['start-url'],
      region: args['sso-region'],
      scopes: args.scopes,
      force: args.force,
    });
    const { expiresAt } = await loginThroughDaemon({
      session: plan.session,
      noBrowser: !args.browser,
      deviceCode: args['device-code'],
      exportToAwsCli: args['export-to-aws-cli'],
    });
    // Only now, with the sign-in known to work, does the config change.
    await saveLoginSession(plan);
    process.stdout.write(`Signed in to ${visible(plan.session.name)} ${untilText(expiresAt)}\n`);
  },
};
export default command;
