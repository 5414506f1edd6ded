// Route selectors for the `create` strategy. A Service selector is an equality map, so only selectors that reduce to
// `key=value` pairs can be expressed; set-based requirements are refused with a message that says so. Parsing and
// validation are kube-core's label selectors; this file only reduces their requirements to equalities.
import {
  ROUTE_SELECTOR_ANNOTATION,
  SELECTOR_KEY_LABEL,
  SELECTOR_VALUE_LABEL,
} from './constants.js';
import { InvalidSelectorError } from './errors.js';
import {
  formatRequirements,
  InvalidLabelSelectorError,
  isLabelValue,
  isQualifiedName,
  type LabelSelector,
  labelSelectorRequirements,
  type ParsedLabelSelector,
  parseLabelSelector,
} from '@kube-vip-gw/kube-core';
import type { ServedRoute } from './types.js';

/** A Service selector: label key to required value. */
export type ServiceSelector = Record<string, string>;

/**
 * Parses a label selector into a Service selector. Accepts the kubectl syntax (`app=x,tier==web`, `app in (x)`) and
 * JSON, either a LabelSelector (`{"matchLabels":{...},"matchExpressions":[...]}`) or a plain map (`{"app":"x"}`).
 * Requirements that are not equalities (`!=`, `notin`, `in` with several values, `exists`, `!key`) cannot be a
 * Service selector and return an error naming them.
 */
export function parseServiceSelector(text: string): ServiceSelector | InvalidSelectorError {
  const trimmed = text.trim();
  if (trimmed === '') return new InvalidSelectorError(text, 'is empty; a Service with an empty selector would select nothing');
  const pairs = trimmed.startsWith('{') ? parseJson(text, trimmed) : parseText(text, trimmed);
  if (pairs instanceof InvalidSelectorError) return pairs;
  const selector: ServiceSelector = {};
  for (const [key, value] of pairs) {
    if (!isQualifiedName(key)) return new InvalidSelectorError(text, `${JSON.stringify(key)} is not a valid label key`);
    if (!isLabelValue(value)) return new InvalidSelectorError(text, `${JSON.stringify(value)} (for ${key}) is not a valid label value`);
    if (key in selector && selector[key] !== value)
      return new InvalidSelectorError(text, `key ${key} is required to equal both ${JSON.stringify(selector[key])} and ${JSON.stringify(value)}`);
    selector[key] = value;
  }
  if (Object.keys(selector).length === 0) return new InvalidSelectorError(text, 'has no requirements');
  return selector;
}

const NOT_EQUALITY = 'a Service selector can only require key=value (equality); use the endpoints strategy or an equality selector';

/** The equality pairs of parsed requirements, or an error naming the first requirement that is not an equality. */
function equalityPairs(text: string, reqs: ParsedLabelSelector): [string, string][] | InvalidSelectorError {
  const pairs: [string, string][] = [];
  for (const r of reqs) {
    const shown = `"${formatRequirements([r])}"`;
    switch (r.op) {
      case '=':
        pairs.push([r.key, r.values[0] ?? '']);
        break;
      case 'in':
        if (r.values.length !== 1) return new InvalidSelectorError(text, `${shown}: a set of ${r.values.length} values; ${NOT_EQUALITY}`);
        pairs.push([r.key, r.values[0]!]);
        break;
      case '!=':
        return new InvalidSelectorError(text, `${shown}: inequality; ${NOT_EQUALITY}`);
      case 'notin':
        return new InvalidSelectorError(text, `${shown}: ${NOT_EQUALITY}`);
      case 'exists':
      case '!':
        return new InvalidSelectorError(text, `${shown}: an existence test; ${NOT_EQUALITY}`);
      case 'gt':
      case 'lt':
        return new InvalidSelectorError(text, `${shown}: a numeric comparison; ${NOT_EQUALITY}`);
    }
  }
  return pairs;
}

function parseText(text: string, trimmed: string): [string, string][] | InvalidSelectorError {
  let reqs: ParsedLabelSelector;
  try {
    reqs = parseLabelSelector(trimmed);
  } catch (e) {
    if (e instanceof InvalidLabelSelectorError) return new InvalidSelectorError(text, e.problem);
    throw e;
  }
  return equalityPairs(text, reqs);
}

function parseJson(text: string, trimmed: string): [string, string][] | InvalidSelectorError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (e) {
    return new InvalidSelectorError(text, `is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new InvalidSelectorError(text, 'JSON must be an object');
  const obj = parsed as Record<string, unknown>;
  const isLabelSelector = Object.keys(obj).length > 0 && Object.keys(obj).every((k) => k === 'matchLabels' || k === 'matchExpressions');
  if (isLabelSelector) {
    const reqs = labelSelectorRequirements(obj as LabelSelector);
    return reqs.ok ? equalityPairs(text, reqs.value) : new InvalidSelectorError(text, reqs.error.problem);
  }
  // A plain map: label key -> value.
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') return new InvalidSelectorError(text, `the value of ${k} must be a string`);
    pairs.push([k, v]);
  }
  return pairs;
}

/**
 * The selector a route asks for: the annotation `kube-vip.io/route-selector` if present (it wins), else the
 * original controller's labels `selectorkey`/`selectorvalue`; undefined when the route asks for none.
 */
export function routeSelector(route: Pick<ServedRoute, 'labels' | 'annotations'>): ServiceSelector | InvalidSelectorError | undefined {
  const annotation = route.annotations?.[ROUTE_SELECTOR_ANNOTATION];
  if (annotation !== undefined) return parseServiceSelector(annotation);
  const key = route.labels?.[SELECTOR_KEY_LABEL];
  const value = route.labels?.[SELECTOR_VALUE_LABEL];
  if (key === undefined && value === undefined) return undefined;
  if (key === undefined || value === undefined)
    return new InvalidSelectorError(
      `${SELECTOR_KEY_LABEL}=${key ?? ''},${SELECTOR_VALUE_LABEL}=${value ?? ''}`,
      `labels ${SELECTOR_KEY_LABEL} and ${SELECTOR_VALUE_LABEL} must be set together`,
    );
  if (!isQualifiedName(key)) return new InvalidSelectorError(key, `label ${SELECTOR_KEY_LABEL}: not a valid label key`);
  return { [key]: value };
}
