// A one-line progress bar on stderr, drawn only on a terminal: logs and pipes get the summary alone.
import { visible } from '../core/terminalText.js';

const WIDTH = 30;

export class ProgressLine {
  private drawn = false;

  private readonly label: string;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    label: string,
  ) {
    this.label = visible(label); // it names a session from the config
  }

  update(done: number, total?: number): void {
    if (!this.stream.isTTY) return;
    const bar =
      total === undefined || total === 0
        ? ''
        : `[${'#'.repeat(Math.round((done / total) * WIDTH)).padEnd(WIDTH, '.')}] `;
    this.stream.write(`\r\x1b[K${this.label} ${bar}${done}${total === undefined ? '' : `/${total}`} accounts`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
