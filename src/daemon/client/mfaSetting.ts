// `keyfob mfa-prompt show|set VALUE|unset`: the saved MFA prompt driver (`mfa_prompt` in
// KEYFOB_HOME/settings.json), which KEYFOB_MFA_PROMPT overrides. A value is one of a fixed list:
// the settings file can choose a driver, never name a program.
import { KeyfobError } from '../../core/errors.js';
import { saveSetting } from '../../core/settings.js';
import { visible } from '../../core/terminalText.js';
import { DRIVERS, hasTerminal, MFA_PROMPT_ENV, MFA_PROMPT_SETTING, MFA_PROMPTS, mfaPromptSetting, onPath, pickDriver, type MfaPrompt } from './mfaDrivers.js';

/** One line: the setting, where it comes from, and what it means here and now. */
export function describeMfaPrompt(env: NodeJS.ProcessEnv = process.env): string {
  const { prompt, from } = mfaPromptSetting(env);
  const now = pickDriver(prompt, env, hasTerminal());
  let meaning: string;
  if (now === undefined) meaning = 'no terminal and no dialog here: a code cannot be asked';
  else if (now === 'terminal') meaning = hasTerminal() ? 'asked on the terminal' : 'no terminal here: a code cannot be asked';
  else meaning = onPath(DRIVERS[now].program, env) ? `asked with ${now}` : `${DRIVERS[now].program} is not on PATH`;
  return visible(`${prompt} (from ${from}): ${meaning}`);
}

export async function mfaPromptCommand(action: 'show' | 'set' | 'unset', value: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (action === 'show') return `${describeMfaPrompt(env)}\n`;
  if (action === 'set' && !(MFA_PROMPTS as readonly string[]).includes(value ?? '')) {
    throw new KeyfobError('Usage', `keyfob mfa-prompt set needs one of ${MFA_PROMPTS.join(', ')}; got ${JSON.stringify(value ?? '')}`);
  }
  const saved = action === 'set' ? (value as MfaPrompt) : undefined;
  const file = await saveSetting(MFA_PROMPT_SETTING, saved, env);
  const overridden = env[MFA_PROMPT_ENV] ? `; ${MFA_PROMPT_ENV}=${env[MFA_PROMPT_ENV]} overrides it in this shell` : '';
  return `${visible(`${saved ? `saved mfa_prompt ${saved}` : 'removed mfa_prompt (the default is terminal)'} in ${file}${overridden}`)}\n`;
}
