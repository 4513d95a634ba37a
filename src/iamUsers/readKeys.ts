// The access key pair `keyfob add` reads: from the terminal, the secret without echo; from stdin
// when it is not a terminal (a pipe: tests, a password manager). Never argv, never environment.
import { createInterface } from 'node:readline';

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Every line of a piped stdin (at most a few). */
async function pipedLines(stdin: NodeJS.ReadStream): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: stdin, terminal: false });
  for await (const line of rl) {
    lines.push(line.trim());
    if (lines.length >= 2) break;
  }
  rl.close();
  return lines;
}

/** One line typed on the terminal, echoed as nothing when `hidden`. */
function typed(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, question: string, hidden: boolean): Promise<string> {
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolve(text.trim());
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(Object.assign(new Error('cancelled; nothing stored'), { code: 'Cancelled' }));
        if (ch === '\u007f' || ch === '\b') {
          text = text.slice(0, -1);
          if (!hidden) stderr.write('\b \b');
          continue;
        }
        if (ch < ' ') continue;
        text += ch;
        if (!hidden) stderr.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}

export async function readKeyPair(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<KeyPair> {
  if (!stdin.isTTY) {
    const [accessKeyId = '', secretAccessKey = ''] = await pipedLines(stdin);
    return { accessKeyId, secretAccessKey };
  }
  const accessKeyId = await typed(stdin, stderr, 'Access key ID: ', false);
  const secretAccessKey = await typed(stdin, stderr, 'Secret access key (not shown): ', true);
  return { accessKeyId, secretAccessKey };
}
