// The lean bundle, dist/assume.cjs (scripts/bundle.js): `assume` (the shims' backend), `exec` and
// `shell-init`, which bin/keyfob.cjs runs without yargs or the AWS SDK.
export { execMain, main } from '../assume/main.js';
export { shellInitMain } from '../shellInit/main.js';
