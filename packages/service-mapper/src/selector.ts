// Route selectors for the `create` strategy. A Service selector is an equality map, so only selectors that reduce to
// `key=value` pairs can be expressed; set-based requirements are refused with a message that says so. The parser is
// hand-written: the pure packages may not import @kubernetes/client-node, and no other installed library parses the
// kubectl selector syntax.
import {
  ROUTE_SELECTOR_ANNOTATION,
  SELECTOR_KEY_LABEL,
  SELECTOR_VALUE_LABEL,
} from './constants.js';
import { InvalidSelectorError } from './errors.js';
import { isLabelValue, isQualifiedName } from './internal/validation.js';
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

function parseText(text: string, trimmed: string): [string, string][] | InvalidSelectorError {
  const pairs: [string, string][] = [];
  for (const requirement of splitTopLevel(trimmed)) {
    const req = requirement.trim();
    if (req === '') return new InvalidSelectorError(text, 'has an empty requirement (stray comma)');
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(req);
    if (set) {
      const [, key, op, list] = set as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      if (op === 'notin') return new InvalidSelectorError(text, `"${req}": ${NOT_EQUALITY}`);
      if (values.length !== 1) return new InvalidSelectorError(text, `"${req}": a set of ${values.length} values; ${NOT_EQUALITY}`);
      pairs.push([key, values[0]!]);
      continue;
    }
    if (req.includes('!=')) return new InvalidSelectorError(text, `"${req}": inequality; ${NOT_EQUALITY}`);
    const eq = /^([^=\s]+)\s*==?\s*([^=\s]*)$/.exec(req);
    if (eq) {
      pairs.push([eq[1]!, eq[2]!]);
      continue;
    }
    if (/^!?[^\s=!(),]+$/.test(req)) return new InvalidSelectorError(text, `"${req}": an existence test; ${NOT_EQUALITY}`);
    return new InvalidSelectorError(text, `"${req}" is not a label selector requirement`);
  }
  return pairs;
}

/** Splits on commas outside parentheses (`a=b,c in (d,e)` has two requirements). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
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
  const pairs: [string, string][] = [];
  const matchLabels = isLabelSelector ? obj['matchLabels'] : obj;
  if (matchLabels !== undefined) {
    if (typeof matchLabels !== 'object' || matchLabels === null || Array.isArray(matchLabels))
      return new InvalidSelectorError(text, 'matchLabels must be an object');
    for (const [k, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string') return new InvalidSelectorError(text, `the value of ${k} must be a string`);
      pairs.push([k, v]);
    }
  }
  const expressions = isLabelSelector ? obj['matchExpressions'] : undefined;
  if (expressions !== undefined) {
    if (!Array.isArray(expressions)) return new InvalidSelectorError(text, 'matchExpressions must be an array');
    for (const e of expressions as unknown[]) {
      const ex = (typeof e === 'object' && e !== null ? e : {}) as { key?: unknown; operator?: unknown; values?: unknown };
      if (typeof ex.key !== 'string') return new InvalidSelectorError(text, 'every matchExpression needs a string key');
      const values = Array.isArray(ex.values) ? ex.values : [];
      if (ex.operator !== 'In' || values.length !== 1 || typeof values[0] !== 'string')
        return new InvalidSelectorError(text, `matchExpression ${ex.key} ${String(ex.operator)} ${JSON.stringify(values)}: ${NOT_EQUALITY}`);
      pairs.push([ex.key, values[0]]);
    }
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
