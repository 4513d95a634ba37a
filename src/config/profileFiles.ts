// The caller's config and shared credentials file as profiles resolve against them (ProfileFiles),
// each read once through readOwnFile (trustedPath.ts): the daemon reads the files a request names
// this way, and the client reads its own this way before it runs another tool's credential_process.
import { interpretConfig } from './awsConfig.js';
import { parseConfig, type ConfigDocument } from './iniDocument.js';
import type { ProfileFiles } from './profileResolver.js';
import { readOwnFile } from '../core/trustedPath.js';

/** The fix each refusal of a config or credentials file names. */
export const CONFIG_ELSEWHERE = 'keep your AWS config in a directory only you can write';

/** The shared credentials file's profiles: every section is one, named as written ([default], [work]). */
export function interpretCredentialsFile(doc: ConfigDocument): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  for (const section of doc.sections) {
    const name = section.kind === 'default' ? 'default' : section.header.trim();
    if (profiles.has(name)) continue;
    const values: Record<string, string> = {};
    for (const entry of section.entries) values[entry.key] ??= entry.value;
    profiles.set(name, values);
  }
  return profiles;
}

/** Both files, read and parsed now (the client's one-off read; the daemon keeps them in ConfigCache). */
export function readProfileFiles(configPath: string, credentialsPath: string): ProfileFiles {
  const config = interpretConfig(parseConfig(readOwnFile(configPath, 'the config file', CONFIG_ELSEWHERE).text));
  const credentials = interpretCredentialsFile(parseConfig(readOwnFile(credentialsPath, 'the credentials file', CONFIG_ELSEWHERE).text));
  return { config, configPath, credentials, credentialsPath };
}
