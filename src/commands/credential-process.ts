import { CREDENTIAL_PROCESS } from '../daemon/client/credentialProcessTable.js';
import { leanCommand } from './define.js';

// bin/keyfob.cjs sends `credential-process` straight to the lean client without loading yargs.
export default leanCommand(CREDENTIAL_PROCESS, async () => (await import('../daemon/client/credentialProcess.js')).main);
