// Label and field selectors: parsing the string syntax the API server accepts, formatting the object form
// (metav1.LabelSelector) into that syntax, and matching. Hand-written because no allowed dependency parses Kubernetes
// selectors (client-node only passes strings through); the grammar follows k8s.io/apimachinery/pkg/labels.

import { BadRequestError } from './errors.js';

/** The object form of a label selector (metav1.LabelSelector), as found in specs like `allowedRoutes.namespaces.selector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** One expression of a LabelSelector. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** One parsed requirement of a selector string. */
export interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  values: string[];
}

/** A parsed label selector: the conjunction of its requirements (empty = matches everything). */
export type ParsedLabelSelector = readonly Requirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function bad(selector: string, why: string): BadRequestError {
  return new BadRequestError(`invalid label selector "${selector}": ${why}`, { code: 400, reason: 'BadRequest' });
}

function checkKey(selector: string, key: string): void {
  if (!KEY_RE.test(key) || key.length > 317) throw bad(selector, `"${key}" is not a valid label key`);
}

function checkValue(selector: string, value: string): void {
  if (value.length > 63 || !VALUE_RE.test(value)) throw bad(selector, `"${value}" is not a valid label value`);
}

/**
 * Parses a label selector string (`app=web,tier!=db,env in (a,b),!legacy,zone`) into requirements.
 * Throws BadRequestError naming the selector when it is malformed (as the API server answers 400).
 */
export function parseLabelSelector(selector: string): ParsedLabelSelector {
  const reqs: Requirement[] = [];
  let i = 0;
  const s = selector;
  const skipWs = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readWord = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !/[\s,=!()<>]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  skipWs();
  if (i === s.length) return reqs;
  for (;;) {
    skipWs();
    let negated = false;
    if (s[i] === '!') {
      negated = true;
      i++;
    }
    const key = readWord();
    if (key === '') throw bad(selector, `expected a label key at position ${i}`);
    checkKey(selector, key);
    skipWs();
    if (negated) {
      reqs.push({ key, op: '!', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op = s.startsWith('!=', i) ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      const value = readWord();
      checkValue(selector, value);
      reqs.push({ key, op, values: [value] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op = s[i] === '>' ? 'gt' : 'lt';
      i++;
      const value = readWord();
      if (!/^-?\d+$/.test(value)) throw bad(selector, `"${value}" is not an integer for ${op === 'gt' ? '>' : '<'}`);
      reqs.push({ key, op, values: [value] });
    } else {
      const word = readWord();
      if (word !== 'in' && word !== 'notin') throw bad(selector, `unexpected "${word || s[i]}" after key "${key}"`);
      skipWs();
      if (s[i] !== '(') throw bad(selector, `expected "(" after "${word}"`);
      i++;
      const values: string[] = [];
      for (;;) {
        const v = readWord();
        checkValue(selector, v);
        values.push(v);
        skipWs();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        throw bad(selector, `expected "," or ")" in the value list of "${key}"`);
      }
      reqs.push({ key, op: word, values: [...new Set(values)].sort() });
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') throw bad(selector, `expected "," at position ${i}`);
    i++;
  }
  return reqs;
}

/** Formats the object form of a selector as the string the API server takes; throws BadRequestError on bad input. */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts: string[] = [];
  const shown = JSON.stringify(selector);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    checkKey(shown, k);
    checkValue(shown, v);
    parts.push(`${k}=${v}`);
  }
  for (const e of selector.matchExpressions ?? []) {
    checkKey(shown, e.key);
    const values = [...(e.values ?? [])].sort();
    for (const v of values) checkValue(shown, v);
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          throw bad(shown, `operator ${e.operator} on "${e.key}" needs at least one value`);
        }
        parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        throw bad(shown, `unknown operator "${String((e as { operator: unknown }).operator)}"`);
    }
  }
  return parts.join(',');
}

/** A selector in any accepted form: the string syntax or the object form. */
export type LabelSelectorInput = string | LabelSelector;

/** Parses either form of selector into requirements. */
export function toLabelRequirements(selector: LabelSelectorInput | undefined): ParsedLabelSelector {
  if (selector === undefined) return [];
  return typeof selector === 'string' ? parseLabelSelector(selector) : parseLabelSelector(formatLabelSelector(selector));
}

/** The string form of a selector in either form ('' for none). */
export function labelSelectorString(selector: LabelSelectorInput | undefined): string {
  if (selector === undefined) return '';
  return typeof selector === 'string' ? selector : formatLabelSelector(selector);
}

/** True when a label set satisfies every requirement. */
export function matchesLabels(requirements: ParsedLabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.op) {
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** One `field=value` / `field!=value` term of a field selector. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** A field selector in either form: the string syntax, or an object of field -> required value. */
export type FieldSelectorInput = string | Record<string, string>;

/** Fields every resource supports in field selectors (CRDs support only these). */
export const GENERIC_SELECTABLE_FIELDS: readonly string[] = ['metadata.name', 'metadata.namespace'];

/** Parses a field selector (`metadata.name=a,metadata.namespace!=b`); throws BadRequestError on bad syntax. */
export function parseFieldSelector(selector: FieldSelectorInput | undefined): FieldRequirement[] {
  if (selector === undefined) return [];
  if (typeof selector !== 'string') {
    return Object.entries(selector).map(([field, value]) => ({ field, op: '=' as const, value }));
  }
  if (selector.trim() === '') return [];
  return selector.split(',').map((term) => {
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!m) {
      throw new BadRequestError(`invalid field selector "${selector}": cannot parse "${term}"`, { code: 400, reason: 'BadRequest' });
    }
    return { field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

/** The string form of a field selector ('' for none). */
export function fieldSelectorString(selector: FieldSelectorInput | undefined): string {
  if (selector === undefined) return '';
  if (typeof selector === 'string') return selector;
  return Object.entries(selector)
    .map(([f, v]) => `${f}=${v}`)
    .join(',');
}

/** Reads a dotted field path (`metadata.name`, `spec.type`) from an object, as a string ('' when absent). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

/** True when the object satisfies every field requirement. */
export function matchesFields(requirements: readonly FieldRequirement[], obj: unknown): boolean {
  for (const r of requirements) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
