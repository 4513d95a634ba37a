import { EXEC } from '../assume/options.js';
import { leanCommand } from './define.js';

// bin/keyfob.cjs sends `keyfob exec …` straight to the lean backend (src/assume/main.ts).
export default leanCommand(EXEC, async () => (await import('../assume/main.js')).execMain);
