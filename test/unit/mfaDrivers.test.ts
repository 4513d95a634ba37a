// The one table of MFA prompt drivers (src/daemon/client/mfaDrivers.ts), row by row, through the
// code path a real prompt takes: fake zenity, kdialog, osascript and ykman programs on PATH that
// record their argv and print what the real tool prints (the typed line; ykman's code, or its
// `ACCOUNT  CODE` lines), exit as it exits on Cancel, or hang past the time bound. Then the
// setting (KEYFOB_MFA_PROMPT over the saved one over `terminal`) and what `auto` picks.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { askWithDriver, DRIVERS, mfaPromptSetting, pickDriver, type MfaAsk, type ProgramDriver } from '../../src/daemon/client/mfaDrivers.js';
import { mfaPromptCommand } from '../../src/daemon/client/mfaSetting.js';
import { readSettings, saveSetting } from '../../src/core/settings.js';

const SERIAL = 'arn:aws:iam::543210987654:mfa/ci-deployer';
const dir = mkdtempSync(join(tmpdir(), 'kf-mfa-drivers-'));
const bin = join(dir, 'bin');
mkdirSync(bin);
const argvFile = join(dir, 'argv');

/** A fake program: records its argv (NUL-separated), prints FAKE_OUT, FAKE_ERR on stderr, exits FAKE_EXIT; or hangs FAKE_SLEEP s. */
for (const program of ['zenity', 'kdialog', 'osascript', 'ykman']) {
  const file = join(bin, program);
  writeFileSync(
    file,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > "$ARGV_FILE"\n[ -n "$FAKE_SLEEP" ] && exec sleep "$FAKE_SLEEP"\nprintf '%b' "$FAKE_OUT"\n[ -n "$FAKE_ERR" ] && printf '%s\\n' "$FAKE_ERR" >&2\nexit "\${FAKE_EXIT:-0}"\n`,
  );
  chmodSync(file, 0o755);
}

const ask = (env: Record<string, string> = {}, profile = 'ci'): MfaAsk => ({ profile, serial: SERIAL, env: { PATH: `${bin}:/usr/bin:/bin`, ARGV_FILE: argvFile, ...env } });
const recordedArgv = () => readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
const TEXT = `MFA code for profile ci (${SERIAL}):`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('each row of the driver table: argv and parsing', () => {
  it('zenity: an entry dialog titled keyfob; the typed line on stdout', async () => {
    expect(await askWithDriver('zenity', ask({ FAKE_OUT: '123456\\n' }))).toBe('123456');
    expect(recordedArgv()).toEqual(['--entry', '--title', 'keyfob', '--text', TEXT]);
    // --text is Pango markup: a profile name is text, never markup.
    await askWithDriver('zenity', ask({ FAKE_OUT: '123456\\n' }, 'a&b<i>'));
    expect(recordedArgv()[4]).toBe(`MFA code for profile a&amp;b&lt;i&gt; (${SERIAL}):`);
  });

  it('kdialog: an input box titled keyfob', async () => {
    expect(await askWithDriver('kdialog', ask({ FAKE_OUT: ' 654321 \\n' }))).toBe('654321');
    expect(recordedArgv()).toEqual(['--title', 'keyfob', '--inputbox', TEXT]);
  });

  it('osascript: the message is the run handler argument, never spliced into the script', async () => {
    expect(await askWithDriver('osascript', ask({ FAKE_OUT: '111222\\n' }, 'evil" & (do shell script "id") & "'))).toBe('111222');
    const argv = recordedArgv();
    expect(argv.slice(0, 6)).toEqual(['-e', 'on run argv', '-e', expect.stringContaining('display dialog (item 1 of argv) with title "keyfob" default answer ""'), '-e', 'end run']);
    expect(argv[6]).toBe(`MFA code for profile evil" & (do shell script "id") & " (${SERIAL}):`);
    expect(argv.slice(0, 6).join(' ')).not.toContain('shell script');
  });

  it('ykman: oath accounts code --single for the mfa_serial, or YKMAN_OATH_CREDENTIAL_NAME on YKMAN_OATH_DEVICE_SERIAL', async () => {
    expect(await askWithDriver('ykman', ask({ FAKE_OUT: '246810\\n' }))).toBe('246810');
    expect(recordedArgv()).toEqual(['oath', 'accounts', 'code', '--single', '--', SERIAL]);
    // Lines of `ACCOUNT  CODE` (no --single, older ykman): the account's own line.
    const lines = `Amazon Web Services:other  111111\\n${SERIAL}  135791\\nGitHub:me  [Requires Touch]\\n`;
    expect(await askWithDriver('ykman', ask({ FAKE_OUT: lines }))).toBe('135791');
    expect(await askWithDriver('ykman', ask({ FAKE_OUT: 'AWS:ci  975310\\n', YKMAN_OATH_CREDENTIAL_NAME: 'AWS:ci', YKMAN_OATH_DEVICE_SERIAL: '12345678' }))).toBe('975310');
    expect(recordedArgv()).toEqual(['--device', '12345678', 'oath', 'accounts', 'code', '--single', '--', 'AWS:ci']);
    // A name starting with a dash is the account, not an option.
    await askWithDriver('ykman', ask({ FAKE_OUT: '000000\\n', YKMAN_OATH_CREDENTIAL_NAME: '--help' }));
    expect(recordedArgv().slice(-2)).toEqual(['--', '--help']);
  });

  it('ykman says on stderr what the person must do (touch), line by line and terminal-safe; dialogs do not', async () => {
    const shown: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => (shown.push(String(text)), true)) as typeof process.stderr.write;
    try {
      expect(await askWithDriver('ykman', ask({ FAKE_OUT: '246810\\n', FAKE_ERR: 'Touch your YubiKey...\x1b[31m' }))).toBe('246810');
      await askWithDriver('zenity', ask({ FAKE_OUT: '1\\n', FAKE_ERR: 'Gtk-Message: GtkDialog mapped without a transient parent' }));
    } finally {
      process.stderr.write = write;
    }
    expect(shown.join('')).toBe('Touch your YubiKey...\\x1b[31m\n');
  });

  it('ykman with no code for the account, or failing: one line naming what to check', async () => {
    await expect(askWithDriver('ykman', ask({ FAKE_OUT: 'Other:acct  111111\\nMore:acct  222222\\n' }))).rejects.toMatchObject({
      code: 'MfaPromptFailed',
      message: `the ykman MFA prompt for profile "ci": ykman printed no code for account "${SERIAL}"; check: ykman oath accounts list, or set YKMAN_OATH_CREDENTIAL_NAME; run the command again`,
    });
    await expect(askWithDriver('ykman', ask({ FAKE_EXIT: '2', FAKE_ERR: 'ERROR: No YubiKey detected!' }))).rejects.toMatchObject({
      code: 'MfaPromptFailed',
      message: expect.stringMatching(/^the ykman MFA prompt for profile "ci" failed \(ykman exit 2: ERROR: No YubiKey detected!\); run the command again, or choose another prompt: keyfob mfa-prompt set /),
    });
  });

  it.each<[ProgramDriver, Record<string, string>]>([
    ['zenity', { FAKE_EXIT: '1' }],
    ['kdialog', { FAKE_EXIT: '1' }],
    ['osascript', { FAKE_EXIT: '1', FAKE_ERR: '0:186: execution error: User canceled. (-128)' }],
  ])('%s cancelled: Cancelled, one line, nothing sent', async (driver, env) => {
    await expect(askWithDriver(driver, ask(env))).rejects.toMatchObject({
      code: 'Cancelled',
      message: `the ${driver} MFA prompt for profile "ci" was cancelled; nothing was sent, run the command again to be asked again`,
    });
  });

  it('an empty answer is no code; a dialog left open is killed at the bound; a missing program says so', async () => {
    await expect(askWithDriver('zenity', ask({ FAKE_OUT: '\\n' }))).rejects.toMatchObject({ code: 'Cancelled', message: expect.stringContaining('no code was entered') });
    const started = Date.now();
    await expect(askWithDriver('kdialog', ask({ FAKE_SLEEP: '30' }), 300)).rejects.toMatchObject({ code: 'MfaPromptFailed', message: expect.stringContaining('got no answer within 0.3 s') });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(askWithDriver('zenity', { ...ask(), env: { PATH: dir } })).rejects.toMatchObject({ code: 'MfaPromptFailed', message: expect.stringContaining('cannot start: zenity is not on PATH; install it, or choose another prompt') });
  });

  it('every row names a program and no shell', () => {
    for (const [name, row] of Object.entries(DRIVERS)) {
      expect(row.program).toBe(name);
      expect(['sh', 'bash', '/bin/sh']).not.toContain(row.program);
    }
  });
});

describe('the setting and auto', () => {
  const home = join(dir, 'home');

  it('KEYFOB_MFA_PROMPT overrides the saved setting, which overrides the default (terminal)', async () => {
    const env = { KEYFOB_HOME: home, HOME: dir };
    expect(mfaPromptSetting(env)).toEqual({ prompt: 'terminal', from: 'the default' });
    expect(await mfaPromptCommand('set', 'zenity', env)).toMatch(/^saved mfa_prompt zenity in .*settings\.json\n$/);
    expect(mfaPromptSetting(env)).toEqual({ prompt: 'zenity', from: join(home, 'settings.json') });
    expect(mfaPromptSetting({ ...env, KEYFOB_MFA_PROMPT: 'ykman' })).toEqual({ prompt: 'ykman', from: 'KEYFOB_MFA_PROMPT' });
    expect(statSync(join(home, 'settings.json')).mode & 0o777).toBe(0o600);
    // The other keys stay (one file, one writer).
    await saveSetting('forward_profiles', ['Development/*'], env);
    await mfaPromptCommand('set', 'auto', env);
    expect(readSettings(env).values).toEqual({ forward_profiles: ['Development/*'], mfa_prompt: 'auto' });
    await mfaPromptCommand('unset', undefined, env);
    expect(readSettings(env).values).toEqual({ forward_profiles: ['Development/*'] });
    await expect(mfaPromptCommand('set', '/usr/bin/evil', env)).rejects.toMatchObject({ code: 'Usage' });
  });

  it('a value outside the list is refused in one line, from the environment or the file', () => {
    const env = { KEYFOB_HOME: join(dir, 'home2'), HOME: dir };
    expect(() => mfaPromptSetting({ ...env, KEYFOB_MFA_PROMPT: 'rm -rf' })).toThrow('KEYFOB_MFA_PROMPT is "rm -rf"; choose one of terminal, zenity, kdialog, osascript, ykman, auto, e.g. run: keyfob mfa-prompt set auto');
    mkdirSync(env.KEYFOB_HOME, { mode: 0o700 });
    writeFileSync(join(env.KEYFOB_HOME, 'settings.json'), '{"mfa_prompt": "/bin/sh"}', { mode: 0o600 });
    expect(() => mfaPromptSetting(env)).toThrow(/"mfa_prompt" in .*settings\.json is "\/bin\/sh"; choose one of/);
    chmodSync(join(env.KEYFOB_HOME, 'settings.json'), 0o666);
    expect(() => mfaPromptSetting(env)).toThrow(/settings\.json must be a regular file of yours that only you can write; fix or remove it, or set KEYFOB_MFA_PROMPT/);
  });

  it('auto: the terminal when there is one, else osascript on macOS, else zenity then kdialog on a desktop', () => {
    const path = { PATH: bin };
    expect(pickDriver('auto', { ...path, DISPLAY: ':1' }, true, 'linux')).toBe('terminal');
    expect(pickDriver('auto', path, false, 'darwin')).toBe('osascript');
    expect(pickDriver('auto', { ...path, DISPLAY: ':1' }, false, 'linux')).toBe('zenity');
    expect(pickDriver('auto', { ...path, WAYLAND_DISPLAY: 'wayland-0' }, false, 'linux')).toBe('zenity');
    expect(pickDriver('auto', path, false, 'linux')).toBeUndefined(); // no desktop
    const onlyKdialog = join(dir, 'kdialog-only');
    mkdirSync(onlyKdialog);
    writeFileSync(join(onlyKdialog, 'kdialog'), '#!/bin/sh\n', { mode: 0o755 });
    expect(pickDriver('auto', { PATH: onlyKdialog, DISPLAY: ':1' }, false, 'linux')).toBe('kdialog');
    expect(pickDriver('auto', { PATH: dir, DISPLAY: ':1' }, false, 'linux')).toBeUndefined();
    // A named driver is used as named, terminal or not; ykman is never picked by auto.
    expect(pickDriver('zenity', path, true)).toBe('zenity');
    expect(pickDriver('terminal', path, false)).toBe('terminal');
  });
});
