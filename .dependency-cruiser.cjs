// The layers of src/, bottom to top (docs/architecture.md explains each). A module may import its own
// folder and the folders below it, never one above: so no two folders can import each other, and
// the check below fails `npm test` (test/core/layers.test.ts) on any upward import or folder cycle.
// A new folder must be added here before anything in it can import or be imported.
const LAYERS = [
  ['core'], // errors, terminal text, paths, the trust rule, shell words, atomic files, single flight
  ['windows'], // Windows pieces planned on paper (docs/platforms.md): the credential_process line, Credential Manager chunks
  ['store'], // the secret stores: the OS keychain, memory
  ['aws'], // AWS SDK calls only: clients, retry, rate, STS, account listing
  ['signin'], // sign-in flows and the sign-in session manager
  ['credentials'], // the providers, one per profile kind, and the caching provider
  ['config'], // the AWS config: reading as botocore reads, resolving profiles, lossless writing
  ['daemon/protocol.ts'], // the socket API's routes and wire types, shared by both sides
  ['render'], // shell scripts for eval: quoting and the assume environment
  ['daemon/server'], // the daemon
  ['daemon/client'], // talking to the daemon: transport, start, prompts
  ['console'], // the console sign-in URL and opening it
  ['assume'], // the assume backend, picker and exec
  ['shellInit'], // the shims and completion scripts
  ['populate'], // writing a profile per account and role
  ['iamUsers'], // keyfob add: reading IAM user keys
  ['doctor'], // checks with fixes
  ['demo'], // the journey against the embedded emulator
  ['portal'], // keyfob portal: the local page, served by its own foreground process (a client of the daemon)
  ['commands'], // one thin file per command, and the lean entries
  ['cli.ts'], // the full CLI (yargs)
];
const EMULATOR = 'emulator';

const re = (names) => `^src/(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})(/|$)`;
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-import-from-${layer[0].replace(/[/.]/g, '-')}`,
  comment: `${layer.join(', ')} may import only ${LAYERS.slice(0, i).flat().join(', ') || 'itself'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: re(layer) },
  to: { path: re(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'daemon-server-imports-no-client-or-terminal-code',
      comment: 'the daemon serves the socket; clients, prompts and terminal UI live above it',
      severity: 'error',
      from: { path: '^src/daemon/server/' },
      to: { path: '^src/(daemon/client|console|assume|shellInit|populate|iamUsers|doctor|demo|portal|commands)/' },
    },
    {
      name: 'emulator-imports-nothing-of-the-product',
      comment: 'the emulator stands for AWS; it shares no code with what it tests',
      severity: 'error',
      from: { path: `^src/${EMULATOR}/` },
      to: { path: '^src/', pathNot: `^src/${EMULATOR}/` },
    },
    {
      name: 'only-demo-and-commands-start-the-emulator',
      comment: 'product code talks to the emulator as to AWS, through endpoint overrides, never by import',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${EMULATOR}|demo|commands)/` },
      to: { path: `^src/${EMULATOR}/` },
    },
    {
      name: 'every-folder-has-a-layer',
      comment: 'add the folder to LAYERS in .dependency-cruiser.cjs and to docs/architecture.md',
      severity: 'error',
      from: { path: '^src/', pathNot: `${re(LAYERS.flat())}|^src/${EMULATOR}/` },
      to: {},
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
