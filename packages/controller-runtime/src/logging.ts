// Structured logging with pino. JSON is the default (one object per line, for log collectors); `text` renders the same
// records as `time LEVEL [component] message key=value ...` for people at a terminal. The text formatter is a few lines
// here rather than pino-pretty, which is not a dependency of the project.

import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './errors.js';

export type { Logger } from 'pino';

/** Log output formats. */
export type LogFormat = 'json' | 'text';

/** Levels accepted by createLogger (pino's, plus silent). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of createLogger. */
export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Becomes the `component` field of every record. */
  name?: string;
  /** Where lines go (default: stderr). */
  destination?: { write(line: string): unknown };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Renders one pino JSON record as a text line. Exported for tests and for tools that re-format JSON logs. */
export function formatLogLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, component, pid: _pid, hostname: _host, err, ...rest } = rec;
  const when = typeof time === 'number' ? new Date(time).toISOString() : String(time ?? '');
  const lvl = LEVEL_NAMES[level as number] ?? String(level);
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`);
  const error = err && typeof err === 'object' ? ` error=${JSON.stringify((err as { message?: string }).message ?? err)}` : '';
  const comp = component ? ` [${String(component)}]` : '';
  return `${when} ${lvl.padEnd(5)}${comp} ${String(msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${error}\n`;
}

/** Creates a pino logger; throws ConfigError naming the bad level or format. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`invalid log level "${level}": use one of ${LOG_LEVELS.join(', ')}`);
  }
  const format = opts.format ?? 'json';
  if (format !== 'json' && format !== 'text') throw new ConfigError(`invalid log format "${String(format)}": use json or text`);
  const sink = opts.destination ?? process.stderr;
  const destination: DestinationStream =
    format === 'text' ? { write: (line: string) => void sink.write(formatLogLine(line)) } : { write: (line: string) => void sink.write(line) };
  return pino({ level, base: opts.name ? { component: opts.name } : {}, errorKey: 'err' }, destination);
}

/** A logger that drops everything (the default for library objects created without one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
