// A yes/no question on the terminal; anything but y or yes is no.
import { createInterface } from 'node:readline/promises';

export async function confirm(io: { stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream }, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await rl.question(question);
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false; // stdin closed: no answer is no
  } finally {
    rl.close();
  }
}
