import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine } from './logging.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (l: string) => lines.push(l) } };
}

describe('createLogger', () => {
  it('writes JSON records with the component name and fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'manager', destination, level: 'debug' });
    log.debug({ key: 'ns/a' }, 'reconciled');
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: 20, component: 'manager', key: 'ns/a', msg: 'reconciled' });
  });

  it('writes text lines when asked', () => {
    const { lines, destination } = capture();
    createLogger({ format: 'text', destination }).warn({ key: 'ns/a', note: 'two words' }, 'slow');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}slow key=ns\/a note="two words"\n$/);
  });

  it('drops records below the level', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'warn', destination }).info('hidden');
    expect(lines).toEqual([]);
  });

  it.each([
    [{ level: 'loud' }, 'invalid log level "loud": use one of fatal, error, warn, info, debug, trace, silent'],
    [{ format: 'xml' as never }, 'invalid log format "xml": use json or text'],
  ])('rejects %o with ConfigError', (opts, message) => {
    expect(() => createLogger(opts)).toThrow(message);
  });
});

describe('formatLogLine', () => {
  it('renders errors by message and passes through non-JSON', () => {
    expect(formatLogLine(JSON.stringify({ time: 0, level: 50, msg: 'failed', component: 'c', err: { message: 'boom', stack: '...' } }))).toBe(
      '1970-01-01T00:00:00.000Z ERROR [c] failed error="boom"\n',
    );
    expect(formatLogLine('not json')).toBe('not json\n');
  });
});
