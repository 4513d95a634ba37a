// Which browser opens a console (KEYFOB_CONSOLE_BROWSER, the saved setting, or the default), and
// where that choice came from. Doctor only looks: it creates no profile dir and starts nothing.
import { oneLine } from '../core/errors.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'browser';

export const consoleBrowserCheck: DoctorCheck = {
  name: NAME,
  async run({ env }): Promise<CheckResult> {
    const { chromiumFamilyFound, consoleBrowserChoice, describeChoice } = await import('../console/browserChoice.js');
    const { usableConsoleBrowser } = await import('../console/consoleBrowser.js');
    const canOpen = (e: NodeJS.ProcessEnv) => {
      try {
        usableConsoleBrowser(e);
        return true;
      } catch {
        return false;
      }
    };
    try {
      const choice = consoleBrowserChoice(env);
      let detail = describeChoice(choice);
      if (!canOpen(env)) detail += '; no browser can open here (KEYFOB_BROWSER=none, SSH, or no display), so console --url prints the URL';
      const found = chromiumFamilyFound(env);
      if (choice.source === 'auto' && found.length) detail += `; for one profile per role: keyfob browser set ${found[0]}`;
      return { name: NAME, status: 'ok', detail };
    } catch (err) {
      return { name: NAME, status: 'fail', detail: oneLine(err), fix: 'keyfob browser set VALUE (see: keyfob browser --help), or fix KEYFOB_CONSOLE_BROWSER' };
    }
  },
};
