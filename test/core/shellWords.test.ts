// splitCommandLine against botocore's own compat_shell_split (the copy inside the AWS CLI v2), on
// both of its platforms: the words keyfob (doctor, the daemon) takes a credential_process line for
// are the words the AWS CLI runs.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitCommandLine, windowsShellSplit } from '../../src/core/shellWords.js';
import { requirePart } from '../helpers/requirePart.js';

const LINES = [
  'granted credential-process --profile Dev/Admin',
  `'/opt/my tool/bin/x' --a "b c" d\\ e`,
  '"C:\\Program Files\\tool.exe" --x "a\\"b" c\\\\"d e"',
  'a\\\\\\"b "" \'\' x',
  "it's",
  'unclosed "quote',
  'trailing \\',
  '  spaced\tout  ',
  'a#b c;d',
  '',
];

function botocore(platform: string): (string[] | null)[] {
  const script = `
import json, sys
sys.path.insert(0, '/usr/lib/python3/dist-packages/awscli')
from botocore.compat import compat_shell_split
out = []
for line in json.load(sys.stdin):
    try:
        out.append(compat_shell_split(line, ${JSON.stringify(platform)}))
    except ValueError:
        out.append(None)
print(json.dumps(out))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(LINES), encoding: 'utf8' }));
}

const orNull = (split: () => string[] | undefined) => {
  try {
    return split() ?? null;
  } catch {
    return null;
  }
};

describe('splitCommandLine', () => {
  it('splits as botocore does on POSIX, and throws where it raises', (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    expect(LINES.map((line) => orNull(() => splitCommandLine(line)))).toEqual(botocore('linux'));
  });

  it("splits as botocore does on Windows (the C runtime's rules)", (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    expect(LINES.map((line) => orNull(() => windowsShellSplit(line)))).toEqual(botocore('win32'));
  });
});
