// The settings of the last populate of each sso-session (KEYFOB_HOME/populate.json), so a bare
// `keyfob populate` refreshes the profiles the way they were written. Nothing secret is kept.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/atomicFile.js';
import { ensurePrivateDir, HOME_ELSEWHERE } from '../core/trustedPath.js';
import { keyfobHome } from '../core/paths.js';
import type { ProfileMode } from './applyProfiles.js';

export interface PopulateSettings {
  prefix: string;
  template: string;
  mode: ProfileMode;
  region?: string;
}

interface SettingsFile {
  version: 1;
  sessions: Record<string, PopulateSettings>;
}

function settingsPath(env: NodeJS.ProcessEnv): string {
  return join(keyfobHome(env), 'populate.json');
}

export async function loadRememberedSettings(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, PopulateSettings>> {
  try {
    const parsed = JSON.parse(await readFile(settingsPath(env), 'utf8')) as SettingsFile;
    return parsed.version === 1 && parsed.sessions && typeof parsed.sessions === 'object' ? parsed.sessions : {};
  } catch {
    return {}; // missing or unreadable: populate then uses its defaults, which is what a first run does
  }
}

/** Called while the config lock is held, so two populates cannot lose each other's update. */
export async function rememberSettings(session: string, settings: PopulateSettings, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const sessions = await loadRememberedSettings(env);
  sessions[session] = settings;
  ensurePrivateDir(keyfobHome(env), 'KEYFOB_HOME', HOME_ELSEWHERE);
  const file: SettingsFile = { version: 1, sessions };
  await writeFileAtomically(settingsPath(env), `${JSON.stringify(file, null, 2)}\n`, 0o600);
}
