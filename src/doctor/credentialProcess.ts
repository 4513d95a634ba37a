// credential_process lines whose program does not exist, in any profile: a leftover
// `granted credential-process …` after granted was uninstalled, a tool that moved. botocore splits
// the line (compat_shell_split, shared/shellWords.ts) and runs the first word without a shell: a
// bare name is looked up on PATH, a name with a slash is a path.

import { isAbsolute, join } from 'node:path';
import type { ConfigDocument } from '../config/iniDocument.js';
import { runsGranted } from '../populate/adoptGranted.js';
import { splitCommandLine } from '../core/shellWords.js';
import { loadConfigOrSkip } from './config.js';
import type { CheckResult, DoctorCheck } from './types.js';
import { findOnPath, isExecutableFile } from '../core/programs.js';

const NAME = 'cred-proc';
const SHOWN = 3;

/** The problem with a credential_process line's program, or undefined when it can run. */
export function programProblem(line: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string | undefined {
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch {
    return 'cannot be split into words (an unclosed quote or a trailing backslash)';
  }
  if (words.length === 0) return 'is empty';
  const program = words[0];
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : join(cwd, program);
    return isExecutableFile(path) ? undefined : `runs ${program}, which is not an executable file`;
  }
  return findOnPath(program, env) ? undefined : `runs ${program}, which is not on PATH`;
}

function lineOf(doc: ConfigDocument, profile: string): string {
  const section = doc.sections.find((s) => (s.kind === 'profile' || s.kind === 'default') && s.name === profile);
  const entry = section?.entries.find((e) => e.key === 'credential_process');
  return entry ? `line ${entry.line + 1}: ` : '';
}

export const credentialProcessCheck: DoctorCheck = {
  name: NAME,
  async run({ env }): Promise<CheckResult> {
    const loaded = await loadConfigOrSkip(NAME, env);
    if ('status' in loaded) return loaded;
    let total = 0;
    const broken: { profile: string; text: string; kind: 'keyfob' | 'granted' | 'other' }[] = [];
    for (const profile of loaded.config.profiles.values()) {
      const line = profile.values.credential_process;
      if (line === undefined) continue;
      total++;
      const problem = programProblem(line, env);
      if (problem) {
        const adoptable = runsGranted(line) && 'granted_sso_account_id' in profile.values; // what --adopt granted takes over
        const kind = 'keyfob_sso_session' in profile.values ? 'keyfob' : adoptable ? 'granted' : 'other';
        broken.push({ profile: profile.name, text: `${lineOf(loaded.doc, profile.name)}profile "${profile.name}": credential_process ${problem}`, kind });
      }
    }
    if (total === 0) return { name: NAME, status: 'skip', detail: 'no profile uses credential_process' };
    if (broken.length === 0) return { name: NAME, status: 'ok', detail: `the program of each of ${total} credential_process line(s) exists` };
    const more = broken.length > SHOWN ? `; and ${broken.length - SHOWN} more` : '';
    const first = (kind: (typeof broken)[number]['kind']) => broken.find((b) => b.kind === kind);
    // One fix per kind of profile found.
    const fixes = [
      first('granted') && `run keyfob populate --adopt granted to make granted's profiles keyfob's, under the same names`,
      first('keyfob') && `run keyfob populate to rewrite the credential_process lines of keyfob's profiles`,
      first('other') &&
        `install the program named, or fix its path in the credential_process line of profile "${first('other')!.profile}" in ${loaded.path}`,
    ].filter(Boolean);
    return {
      name: NAME,
      status: 'fail',
      detail: `${broken.length} profile(s) in ${loaded.path} run a program that does not exist (the AWS CLI fails on them): ${broken.slice(0, SHOWN).map((b) => b.text).join('; ')}${more}`,
      fix: fixes.join('; '),
    };
  },
};
