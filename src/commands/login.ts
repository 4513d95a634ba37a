import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const LOGIN = {
  name: 'login',
  describe: 'Sign in to IAM Identity Center; the token goes into the OS keychain',
  positionals: [],
  options: {
    'sso-session': { type: 'string', describe: 'name of the [sso-session] section' },
    'start-url': { type: 'string', describe: 'AWS access portal URL, e.g. https://d-xxxxxxxxxx.awsapps.com/start' },
    'sso-region': { type: 'string', describe: 'region of IAM Identity Center' },
    scopes: { type: 'string', describe: 'comma-separated registration scopes' },
    browser: { type: 'boolean', default: true, describe: 'open a browser (--no-browser prints the URL and uses the device code)' },
    force: { type: 'boolean', describe: 'change the start URL or region of an existing [sso-session] (once the sign-in works)' },
    'device-code': { type: 'boolean', describe: 'use the device code flow even when a browser is at hand' },
    'export-to-aws-cli': {
      type: 'boolean',
      describe: "also write the token to the AWS CLI's cache (~/.aws/sso/cache, a token on disk) and keep it current; --no-export-to-aws-cli removes it",
    },
  },
} as const satisfies CommandTable;

export default defineCommand(LOGIN, async (args) => {
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
});
