import { describe, expect, it } from 'vitest';
import { familyOf } from './index.js';

describe('familyOf', () => {
  it('tells IPv4 from IPv6', () => {
    expect(familyOf('10.0.0.1')).toBe('IPv4');
    expect(familyOf('fd00::1')).toBe('IPv6');
    expect(familyOf('example.com')).toBeUndefined();
  });
});
