// Custom Service strategies loaded from ES modules named by --strategy-module.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceStrategy, StrategyRegistry } from '@kube-vip-gw/service-mapper';

/** A strategy module that cannot be used; names the module. */
export class StrategyModuleError extends Error {
  readonly _tag = 'StrategyModuleError';
  constructor(readonly module: string, why: string) {
    super(`strategy module ${module}: ${why}`);
    this.name = 'StrategyModuleError';
  }
}

/**
 * Imports each module and registers what it exports: a `strategies` array, or a default export that is one strategy
 * or an array of them.
 */
export async function loadStrategyModules(paths: readonly string[], registry: StrategyRegistry): Promise<string[]> {
  const names: string[] = [];
  for (const path of paths) {
    const url = isAbsolute(path) || path.startsWith('.') ? pathToFileURL(resolve(path)).href : path;
    let mod: { default?: unknown; strategies?: unknown };
    try {
      mod = (await import(url)) as typeof mod;
    } catch (e) {
      throw new StrategyModuleError(path, `cannot be imported: ${e instanceof Error ? e.message : String(e)}`);
    }
    const exported = mod.strategies ?? mod.default;
    const list = Array.isArray(exported) ? exported : exported ? [exported] : [];
    if (list.length === 0) throw new StrategyModuleError(path, 'exports no strategy (export `strategies` or a default strategy)');
    for (const s of list as ServiceStrategy[]) {
      try {
        registry.register(s);
      } catch (e) {
        throw new StrategyModuleError(path, e instanceof Error ? e.message : String(e));
      }
      names.push(s.name);
    }
  }
  return names;
}
