import type { CommandTable } from '../core/optionTable.js';
import type { PopulateRequest } from '../populate/index.js';
import { defineCommand } from './define.js';

const POPULATE = {
  name: 'populate',
  describe: 'Write a profile for every account and role you can reach into the AWS config',
  positionals: [],
  options: {
    'sso-session': { type: 'string', describe: 'the [sso-session] to populate (default: those populated before, or the only one)' },
    'start-url': { type: 'string', describe: 'choose the session by its AWS access portal URL' },
    'sso-region': { type: 'string', describe: 'region of IAM Identity Center, with --start-url' },
    prefix: { type: 'string', describe: 'prepended to every profile name' },
    'profile-template': {
      type: 'string',
      describe: 'profile name template; placeholders {account_name} {account_id} {role_name} {sso_session} {account_email}',
    },
    region: { type: 'string', describe: "region written into each profile (default: the sso-session's sso_region)" },
    mode: { type: 'string', choices: ['process', 'native'], describe: 'process: credentials from keyfob (default); native: the AWS CLI signs in itself' },
    // Accepted so that scripts written for earlier keyfobs still run: the default line is the fast one now.
    'fast-path': { type: 'boolean', describe: 'no effect: the credential_process line is the fast one (curl, else Node) by default' },
    prune: { type: 'boolean', describe: 'remove generated profiles whose account or role is gone' },
    'dry-run': { type: 'boolean', describe: 'print a unified diff; change nothing' },
    yes: { type: 'boolean', alias: 'y', describe: 'do not ask before removing profiles' },
    adopt: {
      type: 'string',
      choices: ['granted'],
      describe: "turn the profiles granted wrote into keyfob's, under the same names (only their granted keys change; with --dry-run: the diff)",
    },
  },
} as const satisfies CommandTable;

export default defineCommand(
  POPULATE,
  async (args) => {
    if (args.adopt) {
      const others = ['sso-session', 'start-url', 'sso-region', 'prefix', 'profile-template', 'region', 'mode', 'fast-path', 'prune'] as const;
      const extra = others.find((name) => args[name] !== undefined);
      const { ConfigError } = await import('../core/errors.js');
      if (extra) throw new ConfigError(`--adopt takes only --dry-run, not --${extra}; adopt first, then run keyfob populate --${extra} …`);
      const { runAdoptGranted } = await import('../populate/adoptGranted.js');
      return runAdoptGranted({ dryRun: args['dry-run'] }, { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
    }
    const { runPopulate } = await import('../populate/index.js');
    const request: PopulateRequest = {
      ssoSession: args['sso-session'],
      startUrl: args['start-url'],
      ssoRegion: args['sso-region'],
      prefix: args.prefix,
      template: args['profile-template'],
      region: args.region,
      mode: args.mode as PopulateRequest['mode'],
      prune: args.prune,
      dryRun: args['dry-run'],
      yes: args.yes,
    };
    await runPopulate(request, { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
  },
  (y) =>
    y
      .example('keyfob populate', 'refresh the profiles as last written')
      .example('keyfob populate --prefix acme/ --region eu-west-1 --dry-run', 'see what would change')
      .example('keyfob populate --adopt granted --dry-run', "see how granted's profiles would become keyfob's"),
);
