// Tab completion: `keyfob completion bash|zsh|fish` and the shims' completion of `assume`
// complete commands and profile names (from the daemon), and a hostile name never runs.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

function shell(path: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path} exited ${code}: ${err}`))));
  });
}

describe('completion', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let canary: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    canary = join(home.dir, 'canary');
    mkdirSync(canary);
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    expect((await runKeyfob(['populate'], home.env)).code).toBe(0);
    appendFileSync(
      home.configFile,
      `\n[profile 'Exp $(touch ${canary}/c)']\nkeyfob_sso_session = d-9067c0ffee\nkeyfob_account_id = 765432109876\nkeyfob_role_name = ReadOnlyAccess\n`,
    );
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('bash: commands, then profile names for assume and exec, quoted, never expanded', async (ctx) => {
    requirePart(ctx, 'bash');
    const complete = (words: string) => `COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _keyfob_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const script = `eval "$("$KEYFOB" completion bash)"
${complete('keyfob po')}
echo ---
${complete('keyfob exec Exp')}
echo ---
eval "$("$KEYFOB" shell-init bash)"
COMP_WORDS=(assume Dev); COMP_CWORD=1; _keyfob_assume_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = await shell('/usr/bin/bash', ['--norc', '--noprofile', '-c', script], { ...home.env, KEYFOB: KEYFOB_BIN });
    const [commands, exec, assume] = out.split('---\n').map((part) => part.trim().split('\n'));
    expect(commands).toEqual(['populate', 'portal']);
    expect(exec).toEqual(['Experiments/AdministratorAccess', 'Experiments/ReadOnlyAccess', `Exp\\ \\$\\(touch\\ ${canary}/c\\)`]);
    expect(assume).toEqual(['Development/AdministratorAccess', 'Development/ReadOnlyAccess']);
    expect(readdirSync(canary)).toEqual([]);
  });

  it('fish: the assume completion lists every profile', async (ctx) => {
    requirePart(ctx, 'fish');
    const script = `"$KEYFOB" shell-init fish | source; complete -C'assume Mar'`;
    const out = await shell('/usr/bin/fish', ['--no-config', '-c', script], { ...home.env, KEYFOB: KEYFOB_BIN });
    expect(out.trim().split('\n')).toEqual(['Marketplace/AdministratorAccess', 'Marketplace/ReadOnlyAccess']);
  });

  it('zsh: the completion script loads', async (ctx) => {
    requirePart(ctx, 'zsh');
    const script = `autoload -U compinit && compinit -u; eval "$("$KEYFOB" completion zsh)"; eval "$("$KEYFOB" shell-init zsh)"; print -r -- $+functions[_keyfob_complete] $+functions[_keyfob_assume] $_comps[assume]`;
    const out = await shell('/usr/bin/zsh', ['-f', '-c', script], { ...home.env, KEYFOB: KEYFOB_BIN });
    expect(out.trim()).toBe('1 1 _keyfob_assume');
  });
});
