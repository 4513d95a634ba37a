// credential_process lines whose program does not exist, such as a leftover
// `granted credential-process …` after granted was uninstalled. botocore splits the line like
// shlex.split and runs the first word without a shell: a bare name is looked up on PATH, a name
// with a slash is a path.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { shlexSplit, type ConfigDocument } from '../config/iniDocument.js';
import { loadConfigOrSkip } from './config.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'cred-proc';
const SHOWN = 3;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The problem with a credential_process line's program, or undefined when it can run. */
export function programProblem(line: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string | undefined {
  const words = shlexSplit(line);
  if (words === undefined) return 'cannot be split into words (an unclosed quote or a trailing backslash)';
  if (words.length === 0) return 'is empty';
  const program = words[0];
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : join(cwd, program);
    return isExecutableFile(path) ? undefined : `runs ${program}, which is not an executable file`;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, program))) return undefined;
  }
  return `runs ${program}, which is not on PATH`;
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
    const broken: { profile: string; text: string; generated: boolean }[] = [];
    for (const profile of loaded.config.profiles.values()) {
      const line = profile.values.credential_process;
      if (line === undefined) continue;
      total++;
      const problem = programProblem(line, env);
      if (problem) {
        broken.push({ profile: profile.name, text: `${lineOf(loaded.doc, profile.name)}profile "${profile.name}": credential_process ${problem}`, generated: 'keyfob_sso_session' in profile.values });
      }
    }
    if (total === 0) return { name: NAME, status: 'skip', detail: 'no profile uses credential_process' };
    if (broken.length === 0) return { name: NAME, status: 'ok', detail: `the program of each of ${total} credential_process line(s) exists` };
    const more = broken.length > SHOWN ? `; and ${broken.length - SHOWN} more` : '';
    const first = broken[0];
    return {
      name: NAME,
      status: 'fail',
      detail: `${broken.length} profile(s) in ${loaded.path} run a program that does not exist (the AWS CLI fails on them): ${broken.slice(0, SHOWN).map((b) => b.text).join('; ')}${more}`,
      fix: first.generated
        ? `run keyfob populate to rewrite the credential_process lines of keyfob's profiles (or install the program named)`
        : `install the program named, or remove or replace the credential_process line of profile "${first.profile}" in ${loaded.path} (e.g. keyfob populate writes keyfob's own profiles)`,
    };
  },
};
