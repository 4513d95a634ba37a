// The [profile NAME] of an IAM user whose keys `keyfob add` stored: keyfob's credential_process
// line (so the AWS CLI and SDKs get short-lived sessions from the daemon) and mfa_serial if given.
// Written through the lossless config writer; a profile that gets credentials elsewhere is refused.
import { editConfigFile } from '../config/configWriter.js';
import { interpretConfig } from '../config/awsConfig.js';
import { keyfobLineProfile } from '../config/profileResolver.js';
import { ConfigError } from '../core/errors.js';
import { credentialProcessLine, keyfobExecutable } from '../shellInit/keyfobCommand.js';

/** Keys that give a profile its credentials some other way. */
const OTHER_SOURCES = ['role_arn', 'sso_session', 'sso_start_url', 'keyfob_sso_session', 'granted_sso_start_url', 'aws_access_key_id', 'web_identity_token_file'];

/** What stands in the way of making `profile` an IAM user profile, or undefined. */
export function otherSource(values: Record<string, string> | undefined, profile: string): string | undefined {
  if (!values) return undefined;
  const key = OTHER_SOURCES.find((k) => k in values);
  if (key) return key;
  if (values.credential_process && keyfobLineProfile(values.credential_process) !== profile) return 'credential_process';
  return undefined;
}

export async function writeIamUserProfile(configPath: string, profile: string, mfaSerial: string | undefined, env: NodeJS.ProcessEnv): Promise<boolean> {
  const line = credentialProcessLine(keyfobExecutable(env), profile);
  const result = await editConfigFile(configPath, (doc) => {
    const existing = interpretConfig(doc).profiles.get(profile);
    const key = otherSource(existing?.values, profile);
    if (key) throw new ConfigError(`profile ${JSON.stringify(profile)} in ${configPath} already gets credentials from ${key}; choose another name, or remove that key first`);
    const entries: [string, string][] = [];
    if (existing?.values.credential_process === undefined) entries.push(['credential_process', line]);
    if (mfaSerial) entries.push(['mfa_serial', mfaSerial]);
    const kind = profile === 'default' ? 'default' : 'profile';
    if (!existing || entries.length) doc.upsertSection(kind, profile, entries);
  });
  return result.changed;
}
