import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatMicroTime, formatTime, parseKubeTime } from './time.js';

describe('Kubernetes time formats', () => {
  it('formats Time with seconds and MicroTime with six fractional digits', () => {
    const d = new Date('2024-02-03T04:05:06.789Z');
    expect(formatTime(d)).toBe('2024-02-03T04:05:06Z');
    expect(formatMicroTime(d)).toBe('2024-02-03T04:05:06.789000Z');
  });

  test.prop([fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })])(
    'MicroTime always has six digits and parses back to the same millisecond',
    (d) => {
      const s = formatMicroTime(d);
      expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(parseKubeTime(s)).toBe(d.getTime());
      expect(parseKubeTime(formatTime(d))).toBe(Math.floor(d.getTime() / 1000) * 1000);
    },
  );

  it.each([[undefined], [null], [''], ['yesterday']])('parseKubeTime(%j) is undefined', (v) => {
    expect(parseKubeTime(v)).toBeUndefined();
  });
});
