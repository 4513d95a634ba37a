// Three bundles, built after tsc:
// - dist/credential-process.cjs, the credential_process hot path: one CommonJS file loads in
//   about 1 ms over a bare `node -e 0`, where the same code as a graph of ES modules costs ~8 ms;
// - dist/assume.cjs, the same for `assume` (the shell shim's backend), `exec` and `shell-init`;
// - dist/daemon.mjs, the daemon clients start on demand: the AWS SDK bundled into one file takes
//   ~13 MiB less memory than its hundreds of separate modules; dist/daemon-chunks/ holds the parts
//   it loads only on first use (STS).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

const leanClient = {
  ...common,
  format: 'cjs',
  // import.meta.url does not exist in CommonJS; give the bundle its own file URL instead,
  // computed only when read (starting a daemon), not on every warm call.
  define: { 'import.meta.url': '__keyfobBundle.url' },
  banner: { js: "const __keyfobBundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
};
await build({ ...leanClient, entryPoints: ['src/daemon/client/credentialProcess.ts'], outfile: 'dist/credential-process.cjs' });
await build({ ...leanClient, entryPoints: ['src/commands/lean.ts'], outfile: 'dist/assume.cjs' });

// The daemon is split: what only some users need (the STS client, for role chains and IAM users)
// is imported on first use (src/aws/sts.ts) and lands in its own chunk, so an idle daemon never
// loads it and stays within its memory budget.
rmSync('dist/daemon-chunks', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { daemon: 'src/daemon/server/bundleEntry.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'daemon-chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  minify: true,
  // The keychain's native addon loads in its own helper process, never in the daemon.
  external: ['@github/keytar'],
  // Some bundled CommonJS dependencies call require().
  banner: { js: "import { createRequire as __keyfobCreateRequire } from 'node:module'; const require = __keyfobCreateRequire(import.meta.url);" },
});
