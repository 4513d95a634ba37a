// A one-line progress bar on stderr, drawn only on a terminal: logs and pipes get the summary alone.

const WIDTH = 30;

export class ProgressLine {
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

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
