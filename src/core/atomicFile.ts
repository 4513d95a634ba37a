// Writing a file so that readers see the old text or the new, never half: for the config, and
// for every state file keyfob keeps (frecency, populate settings, the AWS CLI token cache).
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The name a temp file starts with, so a writer killed mid-write leaves something recognisable to clean up. */
export function tempPrefix(file: string): string {
  return `.${basename(file)}.keyfob-tmp-`;
}

/** Temp file in the same dir, full write, fsync, rename, fsync the dir: old or new, never half. */
export async function writeFileAtomically(
  file: string,
  text: string,
  mode: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const temp = join(dirname(file), `${tempPrefix(file)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(mode); // open()'s mode is masked by umask; keep the file's own mode
      if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid).catch(() => undefined);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable across power loss; not supported everywhere, so best effort.
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
