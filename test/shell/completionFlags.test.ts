// `keyfob completion` and the shims: commands, flags, flag values and profile names (from the
// daemon) complete in real shells, typed and Tabbed in a terminal for bash and zsh, and through
// fish's own completion engine (complete -C) for fish.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { startTerminal } from '../helpers/tmux.js';

// Typed text, and the line completion must turn it into (a unique flag or value each).
const CASES = [
  ['keyfob populate --dry', 'keyfob populate --dry-run '],
  ['keyfob populate --profile-t', 'keyfob populate --profile-template '],
  ['keyfob populate --mode na', 'keyfob populate --mode native '],
  ['keyfob login --sso-r', 'keyfob login --sso-region '],
  ['keyfob login --no-b', 'keyfob login --no-browser '],
  ['keyfob credential-process --lo', 'keyfob credential-process --login '],
  ['keyfob daemon sto', 'keyfob daemon stop '],
  ['keyfob doc', 'keyfob doctor '],
  ['keyfob exec Marketplace/R', 'keyfob exec Marketplace/ReadOnlyAccess '],
  ['keyfob credential-process --profile Marketplace/A', 'keyfob credential-process --profile Marketplace/AdministratorAccess '],
  ['assume Marketplace/R', 'assume Marketplace/ReadOnlyAccess '],
] as const;

describe('completion of commands, flags and flag values', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    dir = home.dir;
    mkdirSync(join(dir, 'bin'));
    symlinkSync(KEYFOB_BIN, join(dir, 'bin', 'keyfob'));
    env = { ...home.env, PATH: `${join(dir, 'bin')}:${home.env.PATH}`, LANG: 'C.UTF-8' };
    writeFileSync(join(dir, '.zshrc'), `autoload -U compinit && compinit -u\neval "$(keyfob completion zsh)"\neval "$(keyfob shell-init zsh)"\nPS1='$ '\n`);
    writeFileSync(join(dir, 'bashrc'), `eval "$(keyfob completion bash)"\neval "$(keyfob shell-init bash)"\nPS1='$ '\n`);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  // Under CI a missing shell or tmux throws (the file fails); elsewhere the test is skipped.
  it.for([
    { shell: 'bash', argv: ['/usr/bin/bash', '--noprofile', '--rcfile', 'RC', '-i'] },
    { shell: 'zsh', argv: ['/usr/bin/zsh', '-i'] },
  ])('$shell: Tab completes commands, flags of populate and login, flag values and profile names', async ({ shell, argv }, ctx) => {
    requirePart(ctx, shell as 'bash' | 'zsh', 'tmux');
    const terminal = await startTerminal(
      argv.map((a) => (a === 'RC' ? join(dir, 'bashrc') : a)),
      { ...env, ZDOTDIR: dir },
    );
    try {
      // capture-pane drops trailing spaces: the prompt is `$`, a completed line ends at its last word.
      await terminal.waitFor(/^\$$/m);
      for (const [typed, completed] of CASES) {
        await terminal.send('-l', typed);
        await terminal.send('Tab');
        const line = new RegExp(`^\\$ ${completed.trimEnd()}$`, 'm');
        const screen = await terminal.waitFor(line, 10_000).catch((err: Error) => {
          throw new Error(`${shell}: "${typed}" + Tab: ${err.message}`);
        });
        expect(screen).toMatch(line);
        await terminal.send('C-u');
      }
    } finally {
      await terminal.close();
    }
  });

  it('fish: complete -C gives commands, flags of populate and login, flag values and profile names', (ctx) => {
    requirePart(ctx, 'fish');
    const script = [
      'keyfob completion fish | source',
      'keyfob shell-init fish | source',
      ...CASES.map(([typed]) => `echo "== ${typed}"; complete -C'${typed}'`),
    ].join('\n');
    const r = spawnSync('/usr/bin/fish', ['--no-config', '-c', script], { encoding: 'utf8', env, timeout: 30_000 });
    expect(r.stderr).toBe('');
    const answers = r.stdout.split(/^== .*\n/m).slice(1).map((block) => block.trim().split('\n').map((line) => line.split('\t')[0]));
    expect(answers).toEqual(CASES.map(([, completed]) => [completed.trim().split(' ').at(-1)]));
  });
});
