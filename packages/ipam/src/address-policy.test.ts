import { describe, expect, it } from 'vitest';
import { orderByFamilies, parseIpamConfig, planFamilies, selectPool, wantedFamilies, type PoolSelection } from './index.js';

function pool(data: Record<string, string>): PoolSelection {
  const selected = selectPool(parseIpamConfig(data), 'team');
  if (!selected.ok) throw selected.error;
  return selected.value;
}
const dual = pool({ 'cidr-global': '10.0.0.0/24,fd00::/64' });
const v6only = pool({ 'cidr-global': 'fd00::/64' });
const dhcp = pool({ 'cidr-global': '0.0.0.0/32' });

describe('wantedFamilies', () => {
  it('SingleStack wants the first family asked for, else IPv4 unless the pool has no IPv4 range', () => {
    expect(wantedFamilies({}, dual)).toEqual(['IPv4']);
    expect(wantedFamilies({}, v6only)).toEqual(['IPv6']);
    expect(wantedFamilies({ ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] }, dual)).toEqual(['IPv6']);
    expect(wantedFamilies({}, undefined)).toEqual(['IPv4']);
  });

  it('PreferDualStack wants the other family only when the pool has it; RequireDualStack wants both always', () => {
    expect(wantedFamilies({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] }, dual)).toEqual(['IPv6', 'IPv4']);
    expect(wantedFamilies({ ipFamilyPolicy: 'PreferDualStack' }, v6only)).toEqual(['IPv6']);
    expect(wantedFamilies({ ipFamilyPolicy: 'PreferDualStack' }, dhcp)).toEqual(['IPv4']);
    expect(wantedFamilies({ ipFamilyPolicy: 'RequireDualStack' }, v6only)).toEqual(['IPv4', 'IPv6']);
  });
});

describe('orderByFamilies', () => {
  it('puts the primary family first, by parsed family rather than by the text', () => {
    expect(orderByFamilies(['fd00::1', '10.0.0.1'], undefined)).toEqual(['10.0.0.1', 'fd00::1']);
    expect(orderByFamilies(['10.0.0.1', 'fd00::1'], ['IPv6', 'IPv4'])).toEqual(['fd00::1', '10.0.0.1']);
    // An IPv4-mapped IPv6 address is IPv6 to the allocator, though it has dots.
    expect(orderByFamilies(['::ffff:10.0.0.2', '10.0.0.1'], ['IPv6'])).toEqual(['::ffff:10.0.0.2', '10.0.0.1']);
  });
});

describe('planFamilies', () => {
  it('keeps what is held and allocates nothing when the policy is met', () => {
    expect(planFamilies(['10.0.0.5'], {}, dual)).toEqual({ keep: ['10.0.0.5'], required: [] });
  });

  it('keeps one address per wanted family and never one of an unwanted family', () => {
    expect(planFamilies(['10.0.0.5', '10.0.0.6', 'fd00::5'], {}, dual)).toEqual({ keep: ['10.0.0.5'], required: [] });
  });

  it('PreferDualStack keeps a single held address (no new allocation beside it: the address never moves or grows)', () => {
    expect(planFamilies(['10.0.0.5'], { ipFamilyPolicy: 'PreferDualStack' }, dual)).toEqual({ keep: ['10.0.0.5'], required: [] });
  });

  it('RequireDualStack allocates the missing family alone beside the kept one', () => {
    expect(planFamilies(['10.0.0.5'], { ipFamilyPolicy: 'RequireDualStack' }, dual)).toEqual({
      keep: ['10.0.0.5'],
      required: ['IPv6'],
      request: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] },
    });
  });

  it('with nothing held, hands the policy to the allocator', () => {
    const policy = { ipFamilyPolicy: 'PreferDualStack' as const, ipFamilies: ['IPv6' as const] };
    expect(planFamilies([], policy, dual)).toEqual({ keep: [], required: ['IPv6'], request: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] } });
  });

  it('a held value that is no address is of no family: never kept', () => {
    expect(planFamilies(['lb.example.com'], {}, dual).keep).toEqual([]);
  });
});
