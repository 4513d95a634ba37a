// `keyfob daemon install-agent`: the LaunchAgent parses with Python's plistlib, and the systemd user
// unit passes systemd-analyze verify; both carry absolute paths, even awkward ones, intact.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFile, launchAgentPlist, type AgentSpec } from '../../src/daemon/client/agent.js';
import { PYTHON } from '../helpers/botocore.js';
import { requirePart } from '../helpers/requirePart.js';

const ENTRY = new URL('../../bin/keyfob.cjs', import.meta.url).pathname;
let dir: string;
let spec: AgentSpec;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-agent-'));
  // macOS's default home has a space; add the characters XML and systemd each treat specially.
  spec = { nodePath: process.execPath, entryPath: ENTRY, keyfobHome: join(dir, 'Application Support', 'a&b <%n $HOME> "q"\\') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('daemon install-agent', () => {
  it('writes a LaunchAgent that plistlib reads back exactly', () => {
    const plist = launchAgentPlist(spec);
    const parsed = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import json, plistlib, sys; json.dump(plistlib.loads(sys.stdin.buffer.read()), sys.stdout)'], { input: plist, encoding: 'utf8' }),
    ) as { Label: string; ProgramArguments: string[]; EnvironmentVariables: Record<string, string>; RunAtLoad: boolean };
    expect(parsed.Label).toBe('dev.keyfob.daemon');
    expect(parsed.ProgramArguments).toEqual([process.execPath, ENTRY, 'daemon', 'run']);
    expect(parsed.EnvironmentVariables).toEqual({ KEYFOB_HOME: spec.keyfobHome });
    expect(parsed.RunAtLoad).toBe(true);
    expect(agentFile(spec, 'darwin', { HOME: '/Users/ann' }).path).toBe('/Users/ann/Library/LaunchAgents/dev.keyfob.daemon.plist');
  });

  it('writes a systemd user unit that systemd-analyze verifies, with the paths intact', async (ctx) => {
    requirePart(ctx, 'systemd-analyze');
    const file = agentFile(spec, 'linux', { HOME: '/home/ann' });
    expect(file.path).toBe('/home/ann/.config/systemd/user/keyfob.service');
    const unitPath = join(dir, 'keyfob.service');
    await writeFile(unitPath, file.text);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', unitPath], { encoding: 'utf8', timeout: 30_000 });
    expect(verify.stderr.split('\n').filter((l) => l.includes('keyfob.service')).join('\n')).toBe('');
    expect(verify.status).toBe(0);
    expect(file.text).toContain(`ExecStart="${process.execPath}" "${ENTRY}" daemon run`);
    expect(file.text).toContain('%%n $HOME');
  });

  it('the CLI prints the unit with --print, and writes it where systemd looks', async () => {
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), KEYFOB_HOME: join(dir, 'home') };
    const printed = execFileSync(process.execPath, [ENTRY, 'daemon', 'install-agent', '--print'], { env, encoding: 'utf8' });
    expect(printed).toContain(`Environment="KEYFOB_HOME=${join(dir, 'home')}"`);
    const said = execFileSync(process.execPath, [ENTRY, 'daemon', 'install-agent'], { env, encoding: 'utf8' });
    const written = join(dir, 'cfg', 'systemd', 'user', 'keyfob.service');
    expect(said).toContain(`wrote ${written}`);
    expect(said).toContain('systemctl --user enable --now keyfob.service');
    expect(await readFile(written, 'utf8')).toBe(printed);
  });
});
