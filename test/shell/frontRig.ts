// A signed-in home whose daemon already holds PROFILE's credentials, and a PATH holding only ls,
// curl and node, each noting its run in `log`: what the sh front ran on its warm path (anything
// else it ran would be missing).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

export interface FrontRig {
  emulator: RunningEmulator;
  home: KeyfobHome;
  /** The home's environment with PATH = the noting ls, curl and node only. */
  env: Record<string, string>;
  /** Where the programs note their runs; empty it before a run. */
  log: string;
  /** The directory of the noting programs. */
  programs: string;
  close(): Promise<void>;
}

export async function warmFrontRig(profile: string, real: { ls: string; curl: string }): Promise<FrontRig> {
  const emulator = await startTestEmulator({ autoApprove: true });
  const home = await signedInHome(emulator);
  writeFileSync(home.configFile, `${readFileSync(home.configFile, 'utf8')}\n${profileSection(profile, 'd-9067c0ffee', '765432109876', 'AdministratorAccess')}`);
  expect((await runKeyfob(['credential-process', '--profile', profile], home.env)).code).toBe(0); // warm
  const programs = join(home.dir, 'programs');
  mkdirSync(programs);
  const log = join(home.dir, 'programs.log');
  for (const [name, path] of [['ls', real.ls], ['curl', real.curl], ['node', process.execPath]]) {
    writeFileSync(join(programs, name), `#!/bin/sh\necho ${name} >> '${log}'\nexec '${path}' "$@"\n`, { mode: 0o755 });
  }
  return {
    emulator,
    home,
    env: { ...home.env, PATH: programs },
    log,
    programs,
    close: async () => {
      await home.cleanup();
      await emulator.close();
    },
  };
}
