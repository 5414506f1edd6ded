import { describe, expect, it } from 'vitest';
import { InvalidParametersError, mergeParameters, parseGatewayParameters } from './parameters.js';

describe('parseGatewayParameters', () => {
  it('reads every key', () => {
    expect(
      parseGatewayParameters(
        {
          serviceBehaviour: 'endpoints',
          ipFamilyPolicy: 'RequireDualStack',
          ipFamilies: 'IPv6, IPv4',
          loadBalancerClass: 'kube-vip.io/kube-vip-class',
          externalTrafficPolicy: 'Local',
          allocateLoadBalancerNodePorts: 'true',
        },
        'ns/p',
      ),
    ).toEqual({
      serviceBehaviour: 'endpoints',
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
      loadBalancerClass: 'kube-vip.io/kube-vip-class',
      externalTrafficPolicy: 'Local',
      allocateLoadBalancerNodePorts: true,
    });
  });
  it.each([
    ['true', true],
    ['false', false],
    [' false ', false],
  ])('reads allocateLoadBalancerNodePorts %j as %s', (value, expected) => {
    expect(parseGatewayParameters({ allocateLoadBalancerNodePorts: value }, 'ns/p')).toEqual({ allocateLoadBalancerNodePorts: expected });
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
    [{ servicebehaviour: 'update' }, /unknown key "servicebehaviour".*allocateLoadBalancerNodePorts/],
    [{ allocateLoadBalancerNodePorts: 'yes' }, /allocateLoadBalancerNodePorts "yes" must be true or false/],
    [{ allocateLoadBalancerNodePorts: 'True' }, /allocateLoadBalancerNodePorts "True" must be true or false/],
    [{ allocateLoadBalancerNodePorts: '' }, /allocateLoadBalancerNodePorts "" must be true or false/],
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
  it('keeps a false from a more specific layer: false is a value, not unset', () => {
    expect(mergeParameters({ allocateLoadBalancerNodePorts: false }, { allocateLoadBalancerNodePorts: true }, {})).toEqual({ allocateLoadBalancerNodePorts: false });
    expect(mergeParameters(undefined, { allocateLoadBalancerNodePorts: true }, {})).toEqual({ allocateLoadBalancerNodePorts: true });
  });
});
