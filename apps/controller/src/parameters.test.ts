import { describe, expect, it } from 'vitest';
import { InvalidParametersError, mergeParameters, parseGatewayParameters } from './parameters.js';

describe('parseGatewayParameters', () => {
  it('reads every key', () => {
    expect(
      parseGatewayParameters(
        { serviceBehaviour: 'endpoints', ipFamilyPolicy: 'RequireDualStack', ipFamilies: 'IPv6, IPv4', loadBalancerClass: 'kube-vip.io/kube-vip-class', externalTrafficPolicy: 'Local' },
        'ns/p',
      ),
    ).toEqual({ serviceBehaviour: 'endpoints', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'], loadBalancerClass: 'kube-vip.io/kube-vip-class', externalTrafficPolicy: 'Local' });
  });
  it('accepts an empty ConfigMap', () => {
    expect(parseGatewayParameters(undefined, 'ns/p')).toEqual({});
  });
  it.each([
    [{ ipFamilyPolicy: 'Dual' }, /ipFamilyPolicy "Dual"/],
    [{ ipFamilies: 'IPv4,IPv4' }, /ipFamilies "IPv4,IPv4"/],
    [{ ipFamilies: 'IPv5' }, /ipFamilies "IPv5"/],
    [{ externalTrafficPolicy: 'local' }, /externalTrafficPolicy "local"/],
    [{ loadBalancerClass: 'a b' }, /loadBalancerClass "a b"/],
    [{ servicebehaviour: 'update' }, /unknown key "servicebehaviour"/],
  ])('rejects %j naming the key and value', (data, message) => {
    expect(() => parseGatewayParameters(data, 'ns/params')).toThrow(InvalidParametersError);
    expect(() => parseGatewayParameters(data, 'ns/params')).toThrow(message);
    expect(() => parseGatewayParameters(data, 'ns/params')).toThrow(/ns\/params/);
  });
});

describe('mergeParameters', () => {
  it('lets the most specific layer win field by field', () => {
    expect(mergeParameters({ serviceBehaviour: 'update' }, { serviceBehaviour: 'create', externalTrafficPolicy: 'Local' }, { ipFamilyPolicy: 'SingleStack' })).toEqual({
      serviceBehaviour: 'update',
      externalTrafficPolicy: 'Local',
      ipFamilyPolicy: 'SingleStack',
    });
  });
});
