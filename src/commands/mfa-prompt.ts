import type { Argv, CommandModule } from 'yargs';

interface MfaPromptArgs {
  action: 'show' | 'set' | 'unset';
  value?: string;
}

const command: CommandModule<object, MfaPromptArgs> = {
  command: 'mfa-prompt [action] [value]',
  describe: 'Show or save how MFA codes are asked: terminal, zenity, kdialog, osascript, ykman or auto (KEYFOB_MFA_PROMPT overrides the saved one)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['show', 'set', 'unset'] as const, default: 'show' as const, describe: 'show (the default), set VALUE, or unset (back to terminal)' })
      .positional('value', { type: 'string', describe: 'with set: terminal, zenity, kdialog, osascript, ykman or auto' }) as Argv<MfaPromptArgs>,
  handler: async (args) => {
    const { mfaPromptCommand } = await import('../daemon/client/mfaSetting.js');
    process.stdout.write(await mfaPromptCommand(args.action, args.value));
  },
};
export default command;
