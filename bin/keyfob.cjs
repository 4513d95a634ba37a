#!/usr/bin/env node
'use strict';
// Entry point. `credential-process` is the hot path, run by the AWS CLI and SDKs on every
// credential refresh: it loads one bundled CommonJS file (dist/credential-process.cjs, built
// from src/daemon/client/credentialProcess.ts) and never yargs or the AWS SDK.
if (process.argv[2] === 'credential-process') {
  require('../dist/credential-process.cjs').main(process.argv.slice(3));
} else {
  import('../dist/cli.js').then((cli) => cli.main(process.argv.slice(2)));
}
