// Test support: a CliIo whose stdout and stderr are captured strings, so commands run in-process in tests.
import type { CliIo, OutputStream } from '../io.js';

/** A CliIo with captured output; `stdout()`/`stderr()` return everything written so far. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** Options of captureIo. */
export interface CaptureOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly tty?: boolean;
  readonly stdin?: string;
  readonly signal?: AbortSignal;
}

/** Builds a CapturedIo (no TTY and NO_COLOR unset by default, so output is plain). */
export function captureIo(options: CaptureOptions = {}): CapturedIo {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void): OutputStream => ({ write: (s: string) => append(s), isTTY: options.tty ?? false });
  return {
    stdout: stream((s) => (out += s)),
    stderr: stream((s) => (err += s)),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
    readStdin: async () => options.stdin ?? '',
    out: () => out,
    err: () => err,
  };
}
