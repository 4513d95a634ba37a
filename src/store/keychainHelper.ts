// Runs one keychain operation in its own short-lived process, for keychainStore.
//
// Why a separate process: keytar makes blocking libsecret calls on libuv's thread pool. When
// the Secret Service waits for an unlock prompt nobody answers, or a D-Bus peer never replies,
// that thread is stuck, and process.exit() itself then waits for it. A child can simply be
// killed on timeout, and a native addon that fails to load or crashes cannot take the daemon
// down. Request on stdin, answer on stdout, both one JSON object (never secrets in argv).
import type { KeychainRequest, KeychainResponse } from './keychainProtocol.js';

type Keytar = typeof import('@github/keytar');

async function handle(request: KeychainRequest): Promise<KeychainResponse> {
  let keytar: Keytar;
  try {
    const mod = await import('@github/keytar');
    keytar = ((mod as { default?: Keytar }).default ?? mod) as Keytar;
  } catch (err) {
    return { ok: false, stage: 'load', message: messageOf(err) };
  }
  const { service, key } = request;
  try {
    switch (request.op) {
      case 'get':
        return { ok: true, value: (await keytar.getPassword(service, key)) ?? undefined };
      case 'set':
        await keytar.setPassword(service, key, request.value);
        return { ok: true };
      case 'delete':
        return { ok: true, value: await keytar.deletePassword(service, key) };
      case 'probe': {
        // A write, not just a read: a locked Secret Service collection answers reads with
        // "nothing there" when no unlock prompt can be shown, and only refuses writes.
        const marker = `probe ${process.pid} ${Date.now()}`;
        await keytar.setPassword(service, key, marker);
        const readBack = await keytar.getPassword(service, key);
        await keytar.deletePassword(service, key);
        if (readBack !== marker) return { ok: false, stage: 'call', message: 'a value written could not be read back' };
        return { ok: true };
      }
    }
  } catch (err) {
    return { ok: false, stage: 'call', message: messageOf(err) };
  }
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || 'unknown error';
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  let response: KeychainResponse;
  try {
    response = await handle(JSON.parse(input) as KeychainRequest);
  } catch (err) {
    response = { ok: false, stage: 'call', message: `bad request: ${messageOf(err)}` };
  }
  process.stdout.write(JSON.stringify(response) + '\n', () => process.exit(0));
});
