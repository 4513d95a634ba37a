// `npm run demo` and `npm test` as the first command in a fresh clone: when node_modules is missing,
// or does not hold what package-lock.json says, run `npm ci` first (one line says so), then carry on.
// When everything is in place this costs two JSON reads, with Node built-ins only (nothing from
// node_modules can be loaded before it is known to be there).
//
// What "matches" means: npm records what it installed in node_modules/.package-lock.json. Every
// package the lockfile lists must be there at the same version and integrity, except optional ones
// (esbuild's and others' builds for other platforms, which npm skips here), and nothing may be
// installed that the lockfile no longer lists.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why node_modules does not match the lockfile, or undefined when it does. */
export function installMismatch(root) {
  let wanted;
  try {
    wanted = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
  } catch {
    return undefined; // no lockfile to hold node_modules to: npm itself will say what is wrong
  }
  let installed;
  try {
    installed = JSON.parse(readFileSync(join(root, 'node_modules', '.package-lock.json'), 'utf8')).packages ?? {};
  } catch {
    return 'node_modules is missing';
  }
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '' || !path.startsWith('node_modules/')) continue; // the project itself, workspaces
    const have = installed[path];
    if (!have) {
      if (entry.optional) continue;
      return `${path.slice('node_modules/'.length)} is not installed`;
    }
    if (have.version !== entry.version || (entry.integrity && have.integrity !== entry.integrity)) {
      return `${path.slice('node_modules/'.length)} is ${have.version ?? 'another version'}, package-lock.json says ${entry.version}`;
    }
  }
  for (const path of Object.keys(installed)) {
    if (path.startsWith('node_modules/') && !(path in wanted)) return `${path.slice('node_modules/'.length)} is installed but no longer in package-lock.json`;
  }
  return undefined;
}

/** npm as the running `npm run` found it (npm_execpath), else the npm on PATH. */
function npmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.c?js$/.test(execPath)) return [process.execPath, [execPath]];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const why = installMismatch(root);
  if (why !== undefined) {
    console.error(`keyfob: ${why}; running npm ci first (once)`);
    const [command, args] = npmCommand();
    const result = spawnSync(command, [...args, 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    // npm has printed its own error; stop the script chain with its exit status.
    if (result.error) {
      console.error(`keyfob: could not run npm (${result.error.message}); install Node.js with npm, then run: npm ci`);
      process.exit(1);
    }
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
