import { describe, expect, it } from 'vitest';
import { serviceIpFamilyPolicy } from './reconcile-gateway.js';

describe('serviceIpFamilyPolicy', () => {
  it.each([
    ['PreferDualStack', ['10.0.0.1'], 'SingleStack'],
    ['PreferDualStack', ['fd00::1'], 'SingleStack'],
    ['PreferDualStack', ['10.0.0.1', 'fd00::1'], 'PreferDualStack'],
    ['RequireDualStack', ['10.0.0.1', 'fd00::1'], 'RequireDualStack'],
    ['SingleStack', ['10.0.0.1'], 'SingleStack'],
    ['SingleStack', ['10.0.0.1', 'fd00::1'], 'SingleStack'],
  ] as const)('%s with addresses %j gives the Services %s', (asked, addresses, expected) => {
    expect(serviceIpFamilyPolicy(asked, addresses)).toBe(expected);
  });
});
