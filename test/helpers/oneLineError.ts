import { expect } from 'vitest';

/** The message `fn` throws, checked to be the one line a user sees; fails when it throws nothing. */
export function oneLineError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error');
}
