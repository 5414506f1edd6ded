// The CLI's view of the terminal: two output streams, the environment, the working directory and a stop signal.
// Commands write only through a CliIo, so tests run them in-process with captured output, and colours follow the
// stream actually written to.
import { styleText } from 'node:util';

/** A writable text stream (process.stdout fits). */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** Everything a command may touch outside its arguments. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this. */
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands (local-cluster, demo) stop cleanly when it fires. */
  readonly signal?: AbortSignal | undefined;
  /** Reads all of stdin (for `-f -`). */
  readonly readStdin?: (() => Promise<string>) | undefined;
}

/** The text styles the CLI uses. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/**
 * True when colours should be written to `stream`: never with NO_COLOR set (https://no-color.org), always with
 * FORCE_COLOR set to anything but `0`, otherwise only on a terminal.
 */
export function colourEnabled(stream: OutputStream, env: CliIo['env']): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0';
  return stream.isTTY === true;
}

/** Applies styles to text written to one stream, or leaves the text alone when colours are off there. */
export class Styler {
  readonly enabled: boolean;
  constructor(stream: OutputStream, env: CliIo['env']) {
    this.enabled = colourEnabled(stream, env);
  }

  /** `text` in `style` (or unchanged when colours are off). */
  paint(style: Style | readonly Style[], text: string): string {
    if (!this.enabled || text === '') return text;
    // validateStream off: whether to colour was decided above for the stream actually written to, while styleText
    // would look at process.stdout.
    return styleText(style as Parameters<typeof styleText>[0], text, { validateStream: false });
  }
}

/** Line-oriented output helpers bound to one CliIo: results on stdout, diagnostics and progress on stderr. */
export class Printer {
  readonly out: Styler;
  readonly err: Styler;
  constructor(readonly io: CliIo) {
    this.out = new Styler(io.stdout, io.env);
    this.err = new Styler(io.stderr, io.env);
  }

  /** Writes one line of results to stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes text to stdout as is. */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** A progress line on stderr, e.g. `[demo] applying examples/`. */
  progress(text: string): void {
    this.io.stderr.write(`${this.err.paint('dim', text)}\n`);
  }

  /** A notice on stderr (something went as planned but is worth knowing). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** A warning on stderr. */
  warn(text: string): void {
    this.io.stderr.write(`${this.err.paint('yellow', 'warning:')} ${text}\n`);
  }

  /** An error line on stderr, `kvgw: <message>`. */
  error(text: string): void {
    this.io.stderr.write(`${this.err.paint(['bold', 'red'], 'kvgw:')} ${text}\n`);
  }
}

/** Strips ANSI escape sequences (to measure the width of styled text). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
