import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const BROWSER = {
  name: 'browser',
  describe: 'Show the console browser and where the choice comes from; `set VALUE` saves one, `unset` forgets it',
  positionals: [
    { name: 'action', choices: ['show', 'set', 'unset'], describe: 'show (the default), set VALUE, or unset' },
    { name: 'value', describe: "chromium, chrome, brave, edge, vivaldi, firefox-containers, default, stdout, a binary's path, or a template with {url}" },
  ],
  options: {},
} as const satisfies CommandTable;

export default defineCommand(BROWSER, async (args) => {
  const { consoleBrowserChoice, describeChoice, saveConsoleBrowser } = await import('../console/browserChoice.js');
  const { KeyfobError } = await import('../core/errors.js');
  const { visible } = await import('../core/terminalText.js');
  const action = args.action ?? 'show';
  if (action === 'set' && args.value === undefined) throw new KeyfobError('Usage', 'name the browser: keyfob browser set VALUE (e.g. chromium, firefox-containers, default)');
  if (action !== 'set' && args.value !== undefined) throw new KeyfobError('Usage', `keyfob browser ${action} takes no value; to choose one run: keyfob browser set VALUE`);
  if (action === 'show') process.stdout.write(`${visible(describeChoice(consoleBrowserChoice()))}\n`);
  else process.stderr.write(`${visible(`keyfob: ${await saveConsoleBrowser(action === 'set' ? args.value : undefined)}`)}\n`);
});
