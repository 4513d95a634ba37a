// Three bundles, built after tsc:
// - dist/credential-process.cjs, the credential_process hot path: one CommonJS file loads in
//   about 1 ms over a bare `node -e 0`, where the same code as a graph of ES modules costs ~8 ms;
// - dist/assume.cjs, the same for `assume` (the shell shim's backend), `exec` and `shell-init`;
// - dist/daemon.mjs, the daemon clients start on demand: the AWS SDK bundled into one file takes
//   ~13 MiB less memory than its hundreds of separate modules; dist/daemon-chunks/ holds the parts
//   it loads only on first use (STS).
import { rmSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

/**
 * The lean clients' lazy parts (the sign-in, the picker, the console, MFA prompts, another tool's
 * credential_process) are plain `import('./x.js')` in src/, so tsc checks each path and its types.
 * In a lean bundle each such import stays an import(), of the same module's tsc output beside the
 * bundle in dist/: a warm call reads one CommonJS file and never parses code it does not run.
 * (esbuild's own code splitting would do this too, but only for an ES module bundle, whose
 * loader costs every warm Node start a few ms more than this one CommonJS file: see issue 20.)
 * test/cli/leanBundles.test.ts checks what each bundle leaves out.
 */
const lazyFromDist = {
  name: 'lazy-from-dist',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const fromSrc = relative(resolve('src'), resolve(args.resolveDir, args.path));
      if (fromSrc.startsWith('..')) throw new Error(`a lazy import outside src/: ${args.path} in ${args.importer}`);
      return { path: `./${fromSrc.split(sep).join('/')}`, external: true };
    });
  },
};

const leanClient = {
  ...common,
  plugins: [lazyFromDist],
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
