import { DuplicateStrategyError, InvalidStrategyNameError, UnknownStrategyError } from './errors.js';
import { isDns1123Label } from '@kube-vip-gw/kube-core';
import type { ServiceStrategy } from './strategy.js';
import { createStrategy } from './strategies/create.js';
import { duplicateStrategy } from './strategies/duplicate.js';
import { endpointsStrategy } from './strategies/endpoints.js';
import { updateStrategy } from './strategies/update.js';

/** The strategy name meaning "the default": the Gateway Service (never registrable). */
export const AUTO_STRATEGY = 'auto';

/** Names no custom strategy may take: `auto`, and `gateway` (the Gateway Service, which is not a per-route strategy). */
const RESERVED_NAMES: Record<string, string> = { [AUTO_STRATEGY]: 'is reserved for the automatic choice', gateway: 'is reserved for the Gateway Service' };

/** Strategies by name. Built-ins are registered by `createStrategyRegistry`; custom ones are added with `register`. */
export class StrategyRegistry {
  readonly #strategies = new Map<string, ServiceStrategy>();

  /** Adds a strategy; throws DuplicateStrategyError for a taken name, InvalidStrategyNameError for a bad one. */
  register(strategy: ServiceStrategy): this {
    const name = strategy?.name;
    if (typeof name !== 'string' || !isDns1123Label(name))
      throw new InvalidStrategyNameError(String(name), 'must be a lowercase DNS-1123 label (a-z, 0-9, -)');
    const reserved = RESERVED_NAMES[name];
    if (reserved !== undefined) throw new InvalidStrategyNameError(name, reserved);
    if (typeof strategy.build !== 'function') throw new InvalidStrategyNameError(name, 'has no build function');
    if (this.#strategies.has(name)) throw new DuplicateStrategyError(name);
    this.#strategies.set(name, strategy);
    return this;
  }

  /** The strategy registered as `name`, or an UnknownStrategyError (naming where the name came from) to report. */
  lookup(name: string, source = 'the caller'): ServiceStrategy | UnknownStrategyError {
    return this.#strategies.get(name) ?? new UnknownStrategyError(name, source, this.names());
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.#strategies.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#strategies.keys()].sort();
  }
}

/** The built-in strategies, by name. */
export const BUILT_IN_STRATEGIES: readonly ServiceStrategy[] = [createStrategy, duplicateStrategy, endpointsStrategy, updateStrategy];

/** A registry holding the built-ins (`create`, `duplicate`, `endpoints`, `update`) and then `extra`. */
export function createStrategyRegistry(extra: readonly ServiceStrategy[] = []): StrategyRegistry {
  const registry = new StrategyRegistry();
  for (const s of [...BUILT_IN_STRATEGIES, ...extra]) registry.register(s);
  return registry;
}
