import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const MFA_PROMPT = {
  name: 'mfa-prompt',
  describe: 'Show or save how MFA codes are asked: terminal, zenity, kdialog, osascript, ykman or auto (KEYFOB_MFA_PROMPT overrides the saved one)',
  positionals: [
    { name: 'action', choices: ['show', 'set', 'unset'], describe: 'show (the default), set VALUE, or unset (back to terminal)' },
    { name: 'value', describe: 'with set: terminal, zenity, kdialog, osascript, ykman or auto' },
  ],
  options: {},
} as const satisfies CommandTable;

export default defineCommand(MFA_PROMPT, async (args) => {
  const { mfaPromptCommand } = await import('../daemon/client/mfaSetting.js');
  process.stdout.write(await mfaPromptCommand((args.action ?? 'show') as 'show' | 'set' | 'unset', args.value));
});
