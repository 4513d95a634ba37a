// `keyfob add PROFILE` and `keyfob remove PROFILE`: an IAM user's long-term keys go from the
// terminal straight to the daemon, which keeps them in the keychain (iam-user:PROFILE) and hands
// out only GetSessionToken sessions and roles assumed with them. The keys are never in argv, the
// environment, a file or a log.
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { ROUTES } from '../daemon/protocol.js';
import { readAwsConfig } from '../config/awsConfig.js';
import { KeyfobError } from '../core/errors.js';
import { configFile } from '../core/paths.js';
import { visible } from '../core/terminalText.js';
import { fetchStatus } from '../daemon/client/status.js';
import { KeysStoredError } from '../store/iamUserKeys.js';
import { readKeyPair } from './readKeys.js';
import { otherSource, writeIamUserProfile } from './profileSection.js';

const MFA_SERIAL = /^arn:aws[a-z-]*:iam::\d{12}:mfa\/[\w+=,.@/-]+$/;

export async function addIamUser(profile: string, mfaSerial: string | undefined, opts: { force?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (mfaSerial !== undefined && !MFA_SERIAL.test(mfaSerial)) {
    throw new KeyfobError('Usage', `--mfa-serial must be an MFA device ARN, e.g. arn:aws:iam::123456789012:mfa/NAME, not ${JSON.stringify(mfaSerial)}`);
  }
  const config = configFile(env);
  // Refuse before the keys are typed, and again under the config's lock when writing.
  const key = otherSource((await readAwsConfig(config)).profiles.get(profile)?.values, profile);
  if (key) throw new KeyfobError('Usage', `profile ${JSON.stringify(profile)} in ${config} already gets credentials from ${key}; choose another name, or remove that key first`);
  // Stored keys are the only copy: say so before the new ones are typed (the daemon checks again).
  if (!opts.force && (await fetchStatus(env))?.iamUsers?.includes(profile)) throw new KeysStoredError(profile);
  const keys = await readKeyPair(process.stdin, process.stderr);
  if (!keys.accessKeyId || !keys.secretAccessKey) throw new KeyfobError('Usage', 'an access key ID and a secret access key are needed (two lines on stdin when it is not a terminal); nothing stored');
  parseAnswer(await daemonRequest('POST', ROUTES.iamUsers, { profile, ...keys, ...(opts.force ? { force: true } : {}) }, { env }));
  const changed = await writeIamUserProfile(config, profile, mfaSerial, env);
  process.stdout.write(
    visible(`Stored the keys of ${keys.accessKeyId.slice(0, 4)}…${keys.accessKeyId.slice(-4)} for profile ${profile} in the keychain; ${changed ? `${config} now has [profile ${profile}]` : `[profile ${profile}] in ${config} already uses keyfob`}`) + '\n',
  );
}

export async function removeIamUser(profile: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { removed } = parseAnswer<{ removed: boolean }>(await daemonRequest('POST', ROUTES.removeIamUser, { profile }, { env }));
  process.stdout.write(visible(removed ? `Deleted the keys of profile ${profile} from the keychain\n` : `No keys were stored for profile ${profile}; nothing deleted\n`));
}
