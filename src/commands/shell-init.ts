import { SHELL_INIT } from '../shellInit/main.js';
import { leanCommand } from './define.js';

// bin/keyfob.cjs sends `keyfob shell-init …` straight to the lean backend (src/shellInit/main.ts).
export default leanCommand(SHELL_INIT, async () => (await import('../shellInit/main.js')).shellInitMain);
