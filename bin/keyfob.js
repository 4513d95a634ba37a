#!/usr/bin/env node
// Entry point. `credential-process` is the hot path, run by the AWS CLI and SDKs on every
// credential refresh: it goes straight to the lean socket client, never through yargs.
const command = process.argv[2];
if (command === 'credential-process') {
  const { main } = await import('../dist/daemon/client/credentialProcess.js');
  await main(process.argv.slice(3));
} else {
  const { main } = await import('../dist/cli.js');
  await main(process.argv.slice(2));
}
