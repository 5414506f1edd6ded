// metav1.LabelSelector matching, as apimachinery's LabelSelectorAsSelector does it. Written here rather than taken
// from @kubernetes/client-node because pure packages must not import it, and the rules are a dozen lines.
import { InvalidLabelSelectorError, type Result } from './errors.js';
import type { LabelSelector } from './types.js';

/** A compiled label selector: true when the labels match. */
export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Compiles a selector, validating it as the API server would: In/NotIn need values, Exists/DoesNotExist take none,
 * unknown operators are errors. An empty selector matches everything.
 */
export function compileLabelSelector(selector: LabelSelector): Result<LabelPredicate, InvalidLabelSelectorError> {
  const fail = (problem: string) => ({ ok: false as const, error: new InvalidLabelSelectorError(selector, problem) });
  if (selector === null || typeof selector !== 'object') return fail('not an object');
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  for (const [key, value] of matchLabels) {
    if (typeof value !== 'string') return fail(`matchLabels["${key}"] is not a string`);
  }
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return fail('matchExpressions is not a list');
  for (const [i, e] of expressions.entries()) {
    const where = `matchExpressions[${i}]`;
    if (e === null || typeof e !== 'object' || typeof e.key !== 'string' || e.key === '') return fail(`${where} has no key`);
    if (!OPERATORS.has(e.operator)) return fail(`${where} has unknown operator "${String(e.operator)}"`);
    const values = e.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return fail(`${where} values must be strings`);
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
      return fail(`${where} operator ${e.operator} needs at least one value`);
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
      return fail(`${where} operator ${e.operator} takes no values`);
    }
  }
  const predicate: LabelPredicate = (labels) => {
    for (const [key, value] of matchLabels) if (labels[key] !== value) return false;
    for (const e of expressions) {
      const has = Object.hasOwn(labels, e.key);
      const values = e.values ?? [];
      switch (e.operator) {
        case 'In':
          if (!has || !values.includes(labels[e.key] as string)) return false;
          break;
        case 'NotIn':
          if (has && values.includes(labels[e.key] as string)) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
      }
    }
    return true;
  };
  return { ok: true, value: predicate };
}

/** True when `labels` match `selector`; an invalid selector matches nothing. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const compiled = compileLabelSelector(selector);
  return compiled.ok && compiled.value(labels);
}
