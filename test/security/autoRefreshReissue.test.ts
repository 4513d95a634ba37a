// Auto-refresh tokens end with the daemon that issued them; the shell gets a new one at its next
// prompt without the user doing anything (bash PROMPT_COMMAND, zsh precmd, fish's fish_prompt
// event), and says once what to run when it cannot.
import { describe, expect, it } from 'vitest';
import { KEYFOB_BIN, runCommand, signedInSuite } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';

/** Per shell: load the shim, and what one prompt runs. */
const SHELLS = {
  bash: { init: `eval "$(${KEYFOB_BIN} shell-init bash)"`, prompt: 'eval "$PROMPT_COMMAND"', show: (v: string) => `echo "${v}=$${v}"` },
  zsh: { init: `eval "$(${KEYFOB_BIN} shell-init zsh)"`, prompt: 'for f in $precmd_functions; do $f; done', show: (v: string) => `echo "${v}=$${v}"` },
  fish: { init: `${KEYFOB_BIN} shell-init fish | source`, prompt: 'emit fish_prompt', show: (v: string) => `echo "${v}=$${v}"` },
} as const;

function runShell(shell: keyof typeof SHELLS, script: string, env: Record<string, string>) {
  const noRc = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] }[shell];
  return runCommand(shell, [...noRc, '-c', script], env, { timeoutMs: 60_000 });
}

describe.skipIf(!partsPresent('zsh', 'fish'))('the shell gets a new auto-refresh token when its daemon is gone', () => {
  const suite = signedInSuite();

  for (const shell of Object.keys(SHELLS) as (keyof typeof SHELLS)[]) {
    it(`in ${shell}`, async () => {
      const { init, prompt, show } = SHELLS[shell];
      const status = (tag: string) => [show('AWS_CONTAINER_AUTHORIZATION_TOKEN').replace('echo "', `echo "${tag}-`), show('KEYFOB_DAEMON_PID').replace('echo "', `echo "${tag}-`)];
      const answer = (tag: string) => `curl -s -o /dev/null -w "${tag}-http=%{http_code}\\n" -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"`;
      const script = [
        init,
        `${KEYFOB_BIN} login >/dev/null 2>&1`, // signed in, whatever the shell before left
        `assume --auto-refresh ${PROFILE} 2>/dev/null`,
        ...status('first'),
        prompt, // the daemon lives: nothing changes
        ...status('same'),
        `${KEYFOB_BIN} daemon stop >/dev/null`,
        `${KEYFOB_BIN} login >/dev/null 2>&1`, // a new daemon (the memory keyring forgot the sign-in)
        prompt,
        ...status('renewed'),
        answer('renewed'),
        `${KEYFOB_BIN} daemon stop >/dev/null`,
        prompt, // a new daemon starts, not signed in: the shell says what to run…
        prompt, // …once only
      ].join('\n');
      const r = await runShell(shell, script, suite.home.env);
      const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(r.stdout)?.[1];
      expect(value('first-AWS_CONTAINER_AUTHORIZATION_TOKEN')).toMatch(/^[\w-]{20,}$/);
      expect(value('same-AWS_CONTAINER_AUTHORIZATION_TOKEN')).toBe(value('first-AWS_CONTAINER_AUTHORIZATION_TOKEN'));
      expect(value('renewed-AWS_CONTAINER_AUTHORIZATION_TOKEN')).toMatch(/^[\w-]{20,}$/);
      expect(value('renewed-AWS_CONTAINER_AUTHORIZATION_TOKEN')).not.toBe(value('first-AWS_CONTAINER_AUTHORIZATION_TOKEN'));
      expect(value('renewed-KEYFOB_DAEMON_PID')).not.toBe(value('first-KEYFOB_DAEMON_PID'));
      expect(value('renewed-http')).toBe('200');
      const notices = r.stderr.split('\n').filter((line) => line.startsWith('keyfob: the auto-refresh credentials'));
      expect(notices).toEqual([`keyfob: the auto-refresh credentials for ${PROFILE} ended with their daemon; run: assume --auto-refresh ${PROFILE}`]);
    });
  }
});
