// Label and field selectors with Kubernetes semantics (k8s.io/apimachinery/pkg/labels and /fields): the string
// syntax the API server accepts (equality- and set-based), the object form metav1.LabelSelector, conversion between
// the two, and matching. Hand-written: no maintained JavaScript library implements apimachinery's grammar
// (@kubernetes/client-node passes selector strings through to the server).

import { InvalidFieldSelectorError, InvalidLabelSelectorError } from './errors.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';
import { err, ok, type Result } from './result.js';

/** metav1.LabelSelector, as found in specs like `allowedRoutes.namespaces.selector`. */
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

/** One parsed requirement of a selector (labels.Requirement). */
export interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  values: string[];
}

/** A parsed label selector: the conjunction of its requirements (empty = matches everything). */
export type ParsedLabelSelector = readonly Requirement[];

/** A selector in either form: the string syntax or the object form. */
export type LabelSelectorInput = string | LabelSelector;

/** A compiled label selector: true when the labels match. */
export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

function keyProblem(key: string): string | undefined {
  const why = qualifiedNameProblem(key);
  return why === undefined ? undefined : `"${key}" is not a valid label key: ${why}`;
}

function valueProblem(value: unknown): string | undefined {
  const why = labelValueProblem(value);
  return why === undefined ? undefined : `${JSON.stringify(value)} is not a valid label value: ${why}`;
}

/**
 * Parses a selector string (`app=web,tier!=db,env in (a,b),!legacy,zone,count>3`) into requirements.
 * Throws InvalidLabelSelectorError naming the selector when it is malformed (the API server answers such with 400).
 */
export function parseLabelSelector(selector: string): ParsedLabelSelector {
  const bad = (why: string) => new InvalidLabelSelectorError(selector, why);
  const checkKey = (key: string) => {
    const why = keyProblem(key);
    if (why !== undefined) throw bad(why);
  };
  const checkValue = (value: string) => {
    const why = valueProblem(value);
    if (why !== undefined) throw bad(why);
  };
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
    if (key === '') throw bad(`expected a label key at position ${i}`);
    checkKey(key);
    skipWs();
    if (negated) {
      reqs.push({ key, op: '!', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op = s.startsWith('!=', i) ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      const value = readWord();
      checkValue(value);
      reqs.push({ key, op, values: [value] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op = s[i] === '>' ? 'gt' : 'lt';
      i++;
      const value = readWord();
      if (!/^-?\d+$/.test(value)) throw bad(`"${value}" is not an integer for ${op === 'gt' ? '>' : '<'}`);
      reqs.push({ key, op, values: [value] });
    } else {
      const word = readWord();
      if (word !== 'in' && word !== 'notin') throw bad(`unexpected "${word || s[i]}" after key "${key}"`);
      skipWs();
      if (s[i] !== '(') throw bad(`expected "(" after "${word}"`);
      i++;
      const values: string[] = [];
      for (;;) {
        const v = readWord();
        checkValue(v);
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
        throw bad(`expected "," or ")" in the value list of "${key}"`);
      }
      reqs.push({ key, op: word, values: [...new Set(values)].sort() });
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') throw bad(`expected "," at position ${i}`);
    i++;
  }
  return reqs;
}

const OPERATORS: Readonly<Record<string, Requirement['op']>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * The requirements of the object form, validated as apimachinery's LabelSelectorAsSelector does: keys and values
 * must be valid, In/NotIn need values, Exists/DoesNotExist take none, unknown operators are errors. Does not throw:
 * the input is often user data (a Gateway's allowedRoutes), so the error goes into a condition.
 */
export function labelSelectorRequirements(selector: LabelSelector): Result<ParsedLabelSelector, InvalidLabelSelectorError> {
  const fail = (problem: string) => err(new InvalidLabelSelectorError(selector, problem));
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) return fail('not an object');
  const reqs: Requirement[] = [];
  const matchLabels: unknown = selector.matchLabels ?? {};
  if (typeof matchLabels !== 'object' || matchLabels === null || Array.isArray(matchLabels)) return fail('matchLabels is not a map');
  for (const [key, value] of Object.entries(matchLabels)) {
    if (typeof value !== 'string') return fail(`matchLabels["${key}"] is not a string`);
    const why = keyProblem(key) ?? valueProblem(value);
    if (why !== undefined) return fail(`matchLabels: ${why}`);
    reqs.push({ key, op: '=', values: [value] });
  }
  const expressions: unknown = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return fail('matchExpressions is not a list');
  for (const [i, e] of (expressions as Partial<LabelSelectorRequirement>[]).entries()) {
    const where = `matchExpressions[${i}]`;
    if (e === null || typeof e !== 'object' || typeof e.key !== 'string' || e.key === '') return fail(`${where} has no key`);
    const keyWhy = keyProblem(e.key);
    if (keyWhy !== undefined) return fail(`${where}: ${keyWhy}`);
    const op = Object.hasOwn(OPERATORS, String(e.operator)) ? OPERATORS[String(e.operator)] : undefined;
    if (op === undefined) return fail(`${where} has unknown operator "${String(e.operator)}"`);
    const values: unknown = e.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return fail(`${where} values must be strings`);
    for (const v of values as string[]) {
      const why = valueProblem(v);
      if (why !== undefined) return fail(`${where}: ${why}`);
    }
    if ((op === 'in' || op === 'notin') && values.length === 0) return fail(`${where} operator ${e.operator} needs at least one value`);
    if ((op === 'exists' || op === '!') && values.length > 0) return fail(`${where} operator ${e.operator} takes no values`);
    reqs.push({ key: e.key, op, values: [...new Set(values as string[])].sort() });
  }
  return ok(reqs);
}

/** Compiles the object form into a predicate; an empty selector matches everything. */
export function compileLabelSelector(selector: LabelSelector): Result<LabelPredicate, InvalidLabelSelectorError> {
  const reqs = labelSelectorRequirements(selector);
  if (!reqs.ok) return reqs;
  return ok((labels) => matchesLabels(reqs.value, labels));
}

/** True when `labels` match the object-form `selector`; an invalid selector matches nothing. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const reqs = labelSelectorRequirements(selector);
  return reqs.ok && matchesLabels(reqs.value, labels);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The string form of requirements (labels.Selector.String()), keys in sorted order. */
export function formatRequirements(reqs: ParsedLabelSelector): string {
  return [...reqs]
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((r) => {
      switch (r.op) {
        case '=':
        case '!=':
          return `${r.key}${r.op}${r.values[0] ?? ''}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}

/** Formats the object form as the string the API server takes; throws InvalidLabelSelectorError on bad input. */
export function formatLabelSelector(selector: LabelSelector): string {
  const reqs = labelSelectorRequirements(selector);
  if (!reqs.ok) throw reqs.error;
  return formatRequirements(reqs.value);
}

/** Parses either form into requirements (none for undefined); throws InvalidLabelSelectorError. */
export function toLabelRequirements(selector: LabelSelectorInput | undefined): ParsedLabelSelector {
  if (selector === undefined) return [];
  if (typeof selector === 'string') return parseLabelSelector(selector);
  const reqs = labelSelectorRequirements(selector);
  if (!reqs.ok) throw reqs.error;
  return reqs.value;
}

/** The string form of a selector in either form ('' for none); throws InvalidLabelSelectorError for a bad object. */
export function labelSelectorString(selector: LabelSelectorInput | undefined): string {
  if (selector === undefined) return '';
  return typeof selector === 'string' ? selector : formatLabelSelector(selector);
}

/** True when a label set satisfies every requirement (labels.Requirement.Matches). */
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

/** Parses a field selector (`metadata.name=a,metadata.namespace!=b`); throws InvalidFieldSelectorError on bad syntax. */
export function parseFieldSelector(selector: FieldSelectorInput | undefined): FieldRequirement[] {
  if (selector === undefined) return [];
  if (typeof selector !== 'string') {
    return Object.entries(selector).map(([field, value]) => ({ field, op: '=' as const, value }));
  }
  if (selector.trim() === '') return [];
  return selector.split(',').map((term) => {
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new InvalidFieldSelectorError(selector, `cannot parse "${term}"`);
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
