// Which strategy serves a route: the route's annotation, then the original's route label, then the Gateway's
// parameters, the GatewayClass's parameters, the controller flag, and finally the automatic choice (the Gateway Service).
import { SERVICE_BEHAVIOUR_ANNOTATION, SERVICE_BEHAVIOUR_LABEL } from './constants.js';
import { AUTO_STRATEGY } from './registry.js';
import type { ServedRoute, StrategyChoices } from './types.js';

/** Where the chosen strategy name came from (used in messages so users know what to edit). */
export type StrategySource =
  | `route annotation ${typeof SERVICE_BEHAVIOUR_ANNOTATION}`
  | `route label ${typeof SERVICE_BEHAVIOUR_LABEL}`
  | 'Gateway parameters'
  | 'GatewayClass parameters'
  | 'controller flag -service-behaviour'
  | 'automatic choice';

/** A strategy name and where it came from; `name` is never `auto` (that is resolved to the automatic choice). */
export interface StrategyChoice {
  name: string;
  source: StrategySource;
}

/**
 * Picks the strategy name for a route (pure; the registry check comes later, so an unknown name is reported with its
 * source). Empty values are skipped. `auto` anywhere stops the search and takes the automatic choice.
 */
export function resolveStrategyName(
  route: Pick<ServedRoute, 'labels' | 'annotations'>,
  choices: StrategyChoices | undefined,
  automatic: () => string,
): StrategyChoice {
  const candidates: [string | undefined, StrategySource][] = [
    [route.annotations?.[SERVICE_BEHAVIOUR_ANNOTATION], `route annotation ${SERVICE_BEHAVIOUR_ANNOTATION}`],
    [route.labels?.[SERVICE_BEHAVIOUR_LABEL], `route label ${SERVICE_BEHAVIOUR_LABEL}`],
    [choices?.gateway, 'Gateway parameters'],
    [choices?.gatewayClass, 'GatewayClass parameters'],
    [choices?.flag, 'controller flag -service-behaviour'],
  ];
  for (const [value, source] of candidates) {
    const name = value?.trim().toLowerCase();
    if (name === undefined || name === '') continue;
    if (name === AUTO_STRATEGY) break;
    return { name, source };
  }
  return { name: automatic(), source: 'automatic choice' };
}
