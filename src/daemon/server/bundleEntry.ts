// Entry of dist/daemon.mjs, the daemon that clients start on demand. One bundle (AWS SDK
// included, no yargs) keeps the daemon's idle memory low; see scripts/bundle.js.
import { oneLine } from '../../core/errors.js';
import { runDaemonProcess } from './process.js';

runDaemonProcess({ background: true }).catch((err) => {
  process.stderr.write(`keyfob: ${oneLine(err)}\n`);
  process.exit(1);
});
