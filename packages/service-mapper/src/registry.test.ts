import { describe, expect, it } from 'vitest';
import { DuplicateStrategyError, InvalidStrategyNameError, UnknownStrategyError } from './errors.js';
import { AUTO_STRATEGY, createStrategyRegistry, StrategyRegistry } from './registry.js';
import { resolveStrategyName } from './resolve.js';
import type { ServiceStrategy } from './strategy.js';
import { duplicateStrategy } from './strategies/duplicate.js';
import type { StrategyChoices } from './types.js';

const custom = (name: string): ServiceStrategy => ({ name, description: 'test', build: () => ({}) });

describe('StrategyRegistry', () => {
  it('holds the built-ins and custom strategies by name', () => {
    const registry = createStrategyRegistry([custom('mine')]);
    expect(registry.names()).toEqual(['create', 'duplicate', 'endpoints', 'mine', 'update']);
    expect(registry.has('mine')).toBe(true);
    expect((registry.lookup('mine') as ServiceStrategy).name).toBe('mine');
  });

  it('rejects a duplicate name', () => {
    const registry = createStrategyRegistry();
    expect(() => registry.register(custom('endpoints'))).toThrow(DuplicateStrategyError);
    expect(() => registry.register(custom('endpoints'))).toThrow('DuplicateStrategyError: a strategy named "endpoints" is already registered');
  });

  it.each<[string, unknown, RegExp]>([
    ['empty', custom(''), /strategy name "": must be a lowercase DNS-1123 label/],
    ['upper case', custom('Mine'), /"Mine": must be a lowercase/],
    ['reserved auto', custom(AUTO_STRATEGY), /"auto": is reserved/],
    ['without build', { name: 'x', description: '' }, /"x": has no build function/],
    ['not an object', undefined, /"undefined": must be/],
  ])('rejects a strategy named %s', (_, strategy, message) => {
    const registry = new StrategyRegistry();
    expect(() => registry.register(strategy as ServiceStrategy)).toThrow(InvalidStrategyNameError);
    expect(() => registry.register(strategy as ServiceStrategy)).toThrow(message);
  });

  it('returns an error naming the unknown strategy, where it came from and what is known', () => {
    const e = createStrategyRegistry().lookup('dupe', 'GatewayClass parameters');
    expect(e).toBeInstanceOf(UnknownStrategyError);
    expect((e as UnknownStrategyError)._tag).toBe('UnknownStrategyError');
    expect((e as UnknownStrategyError).message).toBe(
      'UnknownStrategyError: strategy "dupe" (from GatewayClass parameters) is not registered; known: create, duplicate, endpoints, update',
    );
  });
});

describe('resolveStrategyName', () => {
  const route = (annotation?: string, label?: string) => ({
    ...(annotation !== undefined ? { annotations: { 'kube-vip.io/service-behaviour': annotation } } : {}),
    ...(label !== undefined ? { labels: { serviceBehaviour: label } } : {}),
  });
  const all: StrategyChoices = { gateway: 'update', gatewayClass: 'create', flag: 'duplicate' };

  it.each<[string, ReturnType<typeof route>, StrategyChoices, string, string]>([
    ['route annotation first', route('endpoints', 'create'), all, 'endpoints', 'route annotation kube-vip.io/service-behaviour'],
    ["then the original's route label", route(undefined, 'create'), all, 'create', 'route label serviceBehaviour'],
    ['then Gateway parameters', route(), all, 'update', 'Gateway parameters'],
    ['then GatewayClass parameters', route(), { gatewayClass: 'create', flag: 'duplicate' }, 'create', 'GatewayClass parameters'],
    ['then the flag', route(), { flag: 'duplicate' }, 'duplicate', 'controller flag -service-behaviour'],
    ['else the automatic choice', route(), {}, 'endpoints', 'automatic choice'],
    ['auto anywhere means the automatic choice', route('auto', 'create'), all, 'endpoints', 'automatic choice'],
    ['empty values are skipped', route(' ', ''), { gateway: '', flag: 'update' }, 'update', 'controller flag -service-behaviour'],
    ['values are case-insensitive', route('Duplicate'), {}, 'duplicate', 'route annotation kube-vip.io/service-behaviour'],
  ])('%s', (_, r, choices, name, source) => {
    expect(resolveStrategyName(r, choices, () => 'endpoints')).toEqual({ name, source });
  });
});

describe('reserved names', () => {
  it.each(['auto', 'gateway'])('%s cannot be registered', (name) => {
    expect(() => createStrategyRegistry([{ ...duplicateStrategy, name }])).toThrow(InvalidStrategyNameError);
  });
});
