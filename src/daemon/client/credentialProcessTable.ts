// The option table of `keyfob credential-process` (src/core/optionTable.ts), apart from the client
// itself so that the full CLI's --help and completion read it without loading the client.
import type { CommandTable } from '../../core/optionTable.js';

export const CREDENTIAL_PROCESS_SYNOPSIS = 'keyfob credential-process --profile NAME [--login]';

export const CREDENTIAL_PROCESS = {
  name: 'credential-process',
  describe: 'Print credential_process JSON for a profile (used by the AWS CLI and SDKs)',
  positionals: [],
  hint: `usage: ${CREDENTIAL_PROCESS_SYNOPSIS}`,
  usage: `usage: ${CREDENTIAL_PROCESS_SYNOPSIS}
Prints credential_process JSON for a profile of AWS_CONFIG_FILE; the AWS CLI and SDKs run it.
`,
  options: {
    profile: { type: 'string', value: 'NAME', describe: 'the profile to answer for (in AWS_CONFIG_FILE)' },
    login: { type: 'boolean', describe: 'if not signed in, open the browser and wait instead of failing' },
  },
} as const satisfies CommandTable;
