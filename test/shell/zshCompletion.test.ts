// zsh completion set up exactly as the README says (`eval "$(keyfob completion zsh)"` and
// `eval "$(keyfob shell-init zsh)"` in .zshrc) works whether or not compinit ran first: with an
// .zshrc that never runs it, with one that runs it before, and oh-my-zsh style, after (also on the
// next start, when compinit loads its dump file). Checked by pressing Tab in a real `zsh -i` (tmux).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_COMMAND, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { startTerminal } from '../helpers/tmux.js';

let emulator: RunningEmulator;
let home: KeyfobHome;

beforeAll(async () => {
  emulator = await startTestEmulator({ autoApprove: true });
  home = await signedInHome(emulator, { populate: [] });
}, 120_000);
afterAll(async () => {
  await home?.cleanup();
  await emulator?.close();
});

const KEYFOB_LINES = `eval "$(keyfob completion zsh)"\neval "$(keyfob shell-init zsh)"\n`;
const SETUPS: [string, string][] = [
  ['an .zshrc that never runs compinit', KEYFOB_LINES],
  ['compinit first', `autoload -Uz compinit && compinit\n${KEYFOB_LINES}`],
  ['oh-my-zsh style: compinit later, with its dump file', `${KEYFOB_LINES}autoload -Uz compinit && compinit -d "$ZDOTDIR/.zcompdump"\n`],
];

describe('zsh completion, as the README sets it up', () => {
  for (const [index, [name, zshrc]] of SETUPS.entries()) it(`${name}: no error, and Tab completes commands and profile names`, async (ctx) => {
    requirePart(ctx, 'zsh', 'tmux');
    const zdotdir = join(home.dir, `zdot-${index}`);
    mkdirSync(zdotdir, { recursive: true });
    // Ubuntu's /etc/zsh/zshrc runs compinit unless told not to; Debian's never does.
    writeFileSync(join(zdotdir, '.zshenv'), 'skip_global_compinit=1\n');
    writeFileSync(join(zdotdir, '.zshrc'), `PS1='%% '\npath=(${join(KEYFOB_COMMAND, '..')} $path)\n${zshrc}`);
    // Twice: the second start finds the dump file the first one wrote.
    for (let start = 1; start <= 2; start++) {
      const terminal = await startTerminal(['zsh', '-i'], { ...home.env, ZDOTDIR: zdotdir });
      try {
        await terminal.waitFor(/^%\s*$/m, 20_000);
        await terminal.send('-l', 'keyfob popu');
        await terminal.send('Tab');
        await terminal.waitFor(/% keyfob populate\s*$/m, 10_000);
        await terminal.send('C-u');
        await terminal.send('-l', 'assume Experiments/Adm');
        await terminal.send('Tab');
        await terminal.waitFor(/% assume Experiments\/AdministratorAccess\s*$/m, 10_000);
        expect(await terminal.screen()).not.toMatch(/command not found|compdef/);
      } finally {
        await terminal.close();
      }
    }
  }, 120_000);
});
