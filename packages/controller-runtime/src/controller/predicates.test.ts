import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../object.js';
import { and, annotationsChanged, deletionStarted, finalizersChanged, generationChanged, labelsChanged, matching, or, resourceVersionChanged } from './predicates.js';

const o = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ metadata: { name: 'x', ...meta } });

describe('predicates', () => {
  it.each([
    ['generationChanged', generationChanged, o({ generation: 1 }), o({ generation: 2 }), true],
    ['generationChanged', generationChanged, o({ generation: 1, labels: { a: 'b' } }), o({ generation: 1 }), false],
    ['generationChanged (no generation)', generationChanged, o(), o({ labels: { a: 'b' } }), false],
    ['resourceVersionChanged', resourceVersionChanged, o({ resourceVersion: '1' }), o({ resourceVersion: '2' }), true],
    ['resourceVersionChanged', resourceVersionChanged, o({ resourceVersion: '1' }), o({ resourceVersion: '1' }), false],
    ['labelsChanged', labelsChanged, o({ labels: { a: '1' } }), o({ labels: { a: '2' } }), true],
    ['labelsChanged', labelsChanged, o(), o({ labels: {} }), false],
    ['annotationsChanged', annotationsChanged, o({ annotations: { a: '1' } }), o(), true],
    ['annotationsChanged', annotationsChanged, o({ annotations: { a: '1' } }), o({ annotations: { a: '1' } }), false],
    ['finalizersChanged', finalizersChanged, o({ finalizers: ['a'] }), o({ finalizers: ['a', 'b'] }), true],
    ['finalizersChanged', finalizersChanged, o(), o({ finalizers: [] }), false],
    ['deletionStarted', deletionStarted, o(), o({ deletionTimestamp: '2024-01-01T00:00:00Z' }), true],
    ['deletionStarted', deletionStarted, o(), o(), false],
  ])('%s: update %o -> %o passes = %s', (_n, p, a, b, expected) => {
    expect(p.update!(a, b)).toBe(expected);
  });

  it('or/and combine updates and let creates and deletes through when no predicate objects', () => {
    const either = or(generationChanged, labelsChanged);
    expect(either.update!(o({ generation: 1 }), o({ generation: 1, labels: { a: 'b' } }))).toBe(true);
    expect(either.update!(o({ generation: 1 }), o({ generation: 1, annotations: { a: 'b' } }))).toBe(false);
    expect(either.create!(o())).toBe(true);
    const both = and(generationChanged, labelsChanged);
    expect(both.update!(o({ generation: 1 }), o({ generation: 2 }))).toBe(false);
    expect(both.update!(o({ generation: 1 }), o({ generation: 2, labels: { a: 'b' } }))).toBe(true);
    expect(both.delete!(o())).toBe(true);
  });

  it('matching accepts an update when either side matches', () => {
    const mine = matching<KubeObject>((x) => x.metadata.labels?.mine === 'yes');
    expect(mine.create!(o({ labels: { mine: 'yes' } }))).toBe(true);
    expect(mine.create!(o())).toBe(false);
    expect(mine.update!(o({ labels: { mine: 'yes' } }), o())).toBe(true);
    expect(mine.update!(o(), o())).toBe(false);
  });
});
