// Runs `keyfob doctor` from dist/commands/doctor.js with yargs, as bin/keyfob.cjs would once
// src/cli.ts registers the command (test/doctor/run.ts uses the real CLI when it does).
import yargs from 'yargs';
import doctor from '../../dist/commands/doctor.js';

await yargs(process.argv.slice(2)).scriptName('keyfob').strict().command(doctor).demandCommand(1).parseAsync();
