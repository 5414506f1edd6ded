import { describe, expect, it } from 'vitest';
import { ADDRESS_CONFLICT_CONDITION, conflictedOutcome, withAddressCollisions, withListenerProblems } from './gateway-status.js';
import { evaluateGateway } from './gateway.js';
import { gateway, gatewayClass, tcp } from './internal/fixtures.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const evaluation = () =>
  evaluateGateway({ controllerName: 'kube-vip.io/controller', gateway: gateway([tcp('a', 9000), tcp('b', 9001)]), gatewayClass: gatewayClass(), address: { kind: 'assigned', addresses: ['192.0.2.10'] }, dataPlane: { kind: 'applied' }, now: NOW });

describe('withListenerProblems', () => {
  it('marks only the listeners with Error problems Programmed=False/Invalid, every message joined', () => {
    const status = withListenerProblems(gateway([]), evaluation(), [
      { listener: 'a', severity: 'Error', reason: 'UnsupportedByStrategy', message: 'x' },
      { listener: 'a', severity: 'Error', reason: 'NameConflict', message: 'y' },
      { listener: 'b', severity: 'Warning', reason: 'LocalPolicy', message: 'z' },
    ], NOW);
    const programmed = (name: string) => status.listeners?.find((l) => l.name === name)?.conditions.find((c) => c.type === 'Programmed');
    expect(programmed('a')).toMatchObject({ status: 'False', reason: 'Invalid', message: 'UnsupportedByStrategy: x; NameConflict: y' });
    expect(programmed('b')).toMatchObject({ status: 'True' });
  });
});

describe('address collisions', () => {
  const collision = { address: '192.0.2.10', holders: ['Service web/other'] };

  it('sets AddressConflict=True/AddressInUse naming the holders, and removes it when the collision is gone', () => {
    const withConflict = withAddressCollisions(gateway([]), evaluation().status, [collision], NOW);
    expect(withConflict.conditions?.find((c) => c.type === ADDRESS_CONFLICT_CONDITION)).toMatchObject({ status: 'True', reason: 'AddressInUse', message: expect.stringMatching(/^address 192\.0\.2\.10 is also announced by Service web\/other: /) });
    expect(withAddressCollisions(gateway([]), withConflict, [], NOW).conditions?.map((c) => c.type)).not.toContain(ADDRESS_CONFLICT_CONDITION);
  });

  it('turns an assigned outcome conflicted, keeping its addresses; any other outcome is left alone', () => {
    expect(conflictedOutcome({ kind: 'assigned', addresses: ['192.0.2.10'] }, [collision])).toMatchObject({ kind: 'conflicted', addresses: ['192.0.2.10'], message: expect.stringContaining('also held by Service web/other') });
    expect(conflictedOutcome({ kind: 'assigned', addresses: ['192.0.2.10'] }, [])).toEqual({ kind: 'assigned', addresses: ['192.0.2.10'] });
    expect(conflictedOutcome({ kind: 'notAssigned', reason: 'r' }, [collision])).toEqual({ kind: 'notAssigned', reason: 'r' });
  });
});
