// isZombie from /proc, and from `ps -o stat=` where there is no /proc (macOS), on a real zombie.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isZombie } from '../../src/core/processState.js';
import { waitFor } from '../helpers/waitFor.js';

describe('isZombie', () => {
  it('tells a zombie from a live process, with and without /proc', async () => {
    // sh starts a short child, then becomes `sleep 30`, which never reaps it: the child turns zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      await waitFor(() => isZombie(zombie), { timeoutMs: 10_000 });
      expect(isZombie(zombie, '/nonexistent-proc')).toBe(true);
      expect(isZombie(parent.pid!)).toBe(false);
      expect(isZombie(parent.pid!, '/nonexistent-proc')).toBe(false);
      expect(isZombie(2 ** 22 + 12345, '/nonexistent-proc')).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
