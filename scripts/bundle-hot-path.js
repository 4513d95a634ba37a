// Bundles the credential_process client into one CommonJS file: loading a single CJS file
// costs about 1 ms over a bare `node -e 0`; the same code as a graph of ES modules costs ~8 ms.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/daemon/client/credentialProcess.ts'],
  outfile: 'dist/credential-process.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // import.meta.url does not exist in CommonJS; give the bundle its own file URL instead.
  define: { 'import.meta.url': '__keyfobBundleUrl' },
  banner: { js: "const __keyfobBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
