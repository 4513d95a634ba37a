import { ASSUME } from '../assume/options.js';
import { leanCommand } from './define.js';

// bin/keyfob.cjs sends `keyfob assume …` straight to the lean backend (src/assume/main.ts), which
// parses the same table.
export default leanCommand(ASSUME, async () => (await import('../assume/main.js')).main);
