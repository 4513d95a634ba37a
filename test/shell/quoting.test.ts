// Every value assume prints is quoted for its shell. Here real bash, zsh and fish evaluate
// keyfob's scripts for generated hostile strings (quotes, $(…), backticks, newlines, unicode,
// control characters) and hand each value back byte for byte; nothing they contain runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { envScript, quotePowerShell, quotePosix, type Shell } from '../../src/render/quote.js';
import { requirePart } from '../helpers/requirePart.js';

const canary = mkdtempSync(join(tmpdir(), 'kf-quote-canary-'));
afterAll(() => rmSync(canary, { recursive: true, force: true }));

const nasty = [
  `$(touch ${canary}/dollar)`,
  `\`touch ${canary}/backtick\``,
  `'; touch ${canary}/quote; '`,
  `"; touch ${canary}/dq; "`,
  `\\'\\"\\\\`,
  `a\nb\r\nc`,
  `tab\there`,
  `=tilde~ ~root`,
  '%self {a,b} *? [x] !!',
  '\u202Eevil\u202C 🚀 حساب',
  '\x1b[2J\x07',
  ' leading and trailing ',
  '',
];
// Environment values cannot hold NUL; everything else is fair game.
const generated = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));

/** Evaluates keyfob's script in the shell, then prints each variable NUL-terminated. */
function roundTrip(shell: Exclude<Shell, 'powershell'>, values: string[]): string[] {
  const names = values.map((_, i) => `KF_V${i}`);
  const script = envScript(shell, names.map((n, i) => [n, values[i]] as const), []);
  const print = names.map((n) => `printf '%s\\0' "$${n}"`).join('\n');
  const program = `${script}${print}\n`;
  const argv: Record<typeof shell, string[]> = { bash: ['--norc', '--noprofile', '-c', program], zsh: ['-f', '-c', program], fish: ['--no-config', '-c', program] };
  const run = spawnSync(`/usr/bin/${shell}`, argv[shell], { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  expect(run.stderr.toString()).toBe('');
  const out = run.stdout.toString('utf8').split('\0');
  out.pop();
  return out;
}

describe.each(['bash', 'zsh', 'fish'] as const)('%s evaluates assume output', (shell) => {
  it('hands back hostile values exactly and runs none of them', (ctx) => {
    requirePart(ctx, shell);
    expect(roundTrip(shell, nasty)).toEqual(nasty);
    expect(readdirSync(canary)).toEqual([]);
  });

  it('hands back generated values exactly (property)', (ctx) => {
    requirePart(ctx, shell);
    // Lone surrogates and invalid UTF-8 cannot survive any encoding; compare what UTF-8 can carry.
    fc.assert(
      fc.property(fc.array(generated, { minLength: 1, maxLength: 60 }), (values) => {
        const wellFormed = values.map((v) => Buffer.from(v, 'utf8').toString('utf8'));
        expect(roundTrip(shell, wellFormed)).toEqual(wellFormed);
      }),
      { numRuns: 15 },
    );
  });
});

describe('quoting without a shell to run', () => {
  it('PowerShell: single quotes, with every kind of single quote doubled', () => {
    expect(quotePowerShell(`it's $env:HOME \`n "x"`)).toBe(`'it''s $env:HOME \`n "x"'`);
    expect(quotePowerShell('a\u2018b\u2019c\u201Ad\u201Be')).toBe(`'a\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'`);
    expect(envScript('powershell', [['AWS_PROFILE', "o'k"]], ['AWS_REGION'])).toBe(
      "Remove-Item -ErrorAction SilentlyContinue Env:AWS_REGION\n$env:AWS_PROFILE = 'o''k'\n",
    );
  });

  it('never quotes a plain word on a command line, always quotes in an eval script', () => {
    expect(quotePosix('Experiments/AdministratorAccess')).toBe('Experiments/AdministratorAccess');
    expect(envScript('bash', [['AWS_REGION', 'eu-west-1']], [])).toBe("export AWS_REGION='eu-west-1'\n");
    expect(envScript('fish', [['AWS_REGION', "it's"]], ['AWS_PROFILE'])).toBe("set -e AWS_PROFILE\nset -gx AWS_REGION 'it\\'s'\n");
    expect(() => envScript('bash', [['A;B', 'x']], [])).toThrow('not an environment variable name');
  });
});
