#!/usr/bin/env node
'use strict';
// Entry point. `credential-process` is the hot path, run by the AWS CLI and SDKs on every
// credential refresh: it loads one bundled CommonJS file (dist/credential-process.cjs, built
// from src/daemon/client/credentialProcess.ts) and never yargs or the AWS SDK.
const lean = {
  'credential-process': () => require('../dist/credential-process.cjs').main,
  // `assume` (the shell shim's backend), `exec` and `shell-init` are as lean: see src/commands/lean.ts.
  assume: () => require('../dist/assume.cjs').main,
  exec: () => require('../dist/assume.cjs').execMain,
  'shell-init': () => require('../dist/assume.cjs').shellInitMain,
};
// A reader that stops early (`keyfob list | head -1`) closes the pipe: the command ends as it would
// have, quietly, with no more output, instead of Node's EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    stream.write = () => true;
  });
}
const command = process.argv[2];
if (Object.prototype.hasOwnProperty.call(lean, command)) {
  lean[command]()(process.argv.slice(3));
} else {
  import('../dist/cli.js').then((cli) => cli.main(process.argv.slice(2)));
}
