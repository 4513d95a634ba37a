// The picker's terminal session: the controlling terminal (/dev/tty), opened by the picker
// itself because in the shell shim stdout is captured by `eval "$(…)"` and stdin may be
// redirected; and the control sequences that put it into and out of the picker's mode.
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';

export const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export const CSI = '\x1b[';
export const ERASE_DOWN = `\r${CSI}J`;
export const HIDE_CURSOR = `${CSI}?25l`;
export const SHOW_CURSOR = `${CSI}?25h`;
// With auto-wrap off a row we measured too narrow is clipped by the terminal instead of
// wrapping, which would throw off the line count we move the cursor back by.
export const WRAP_OFF = `${CSI}?7l`;
export const WRAP_ON = `${CSI}?7h`;
export const REVERSE = `${CSI}7m`;
export const DIM = `${CSI}2m`;
export const RESET = `${CSI}0m`;

export interface PickerStreams {
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

export interface Terminal {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Closes what openTerminal opened itself; leaves the caller's streams open. */
  close(): void;
}

export function openTerminal(opts: PickerStreams): Terminal | undefined {
  const opened: Array<ReadStream | WriteStream> = [];
  try {
    let input = opts.input;
    if (!input) {
      input = new ReadStream(openSync('/dev/tty', 'r'));
      opened.push(input as ReadStream);
    }
    let output = opts.output;
    if (!output) {
      output = new WriteStream(openSync('/dev/tty', 'w'));
      opened.push(output as WriteStream);
    }
    return { input, output, close: () => opened.forEach((stream) => stream.destroy()) };
  } catch {
    opened.forEach((stream) => stream.destroy());
    return undefined; // no controlling terminal (a daemon, CI, `setsid`)
  }
}

