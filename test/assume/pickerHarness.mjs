// Runs the built picker on the terminal it is started in, for test/assume/picker.test.ts.
// Usage: node pickerHarness.mjs ITEMS_JSON_FILE RESULT_FILE [PID_FILE]
// Writes "PICKED:<name>" or "ABORTED" to RESULT_FILE, and a line before and after on stderr
// so the test can see that the picker erased what it drew, with the terminal's modes then.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { pickProfile } from '../../dist/assume/picker.js';

const [itemsFile, resultFile, pidFile] = process.argv.slice(2);
const items = JSON.parse(readFileSync(itemsFile, 'utf8'));
if (pidFile) writeFileSync(pidFile, String(process.pid));
process.stderr.write('harness: before the picker\n');
const picked = await pickProfile(items);
writeFileSync(resultFile, picked === undefined ? 'ABORTED' : `PICKED:${picked}`);
// The terminal's modes while this process still runs (Node resets them at exit anyway).
const modes = execFileSync('stty', ['-F', '/dev/tty', '-a'], { encoding: 'utf8' }).match(/-?\b(icanon|echo)\b/g) ?? [];
process.stderr.write(`harness: after the picker, tty modes: ${modes.join(' ')}\n`);
