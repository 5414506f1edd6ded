import { fc, test } from '@fast-check/vitest';
import { describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../object.js';
import { indexByController, indexByLabel, indexByNamespace, Store, UnknownIndexError } from './store.js';

const obj = (ns: string | undefined, name: string, labels: Record<string, string> = {}, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  metadata: { name, ...(ns ? { namespace: ns } : {}), labels, ...extra },
});

describe('Store', () => {
  it('keys objects by namespace/name and keeps every index in step with upserts and deletes', () => {
    const s = new Store<KubeObject>({ app: indexByLabel('app') });
    s.upsert(obj('a', 'x', { app: 'web' }));
    s.upsert(obj('b', 'y', { app: 'web' }));
    s.upsert(obj(undefined, 'cluster-wide'));
    expect(s.get('a/x')?.metadata.name).toBe('x');
    expect(s.get('cluster-wide')).toBeDefined();
    expect(s.indexKeys('app', 'web').sort()).toEqual(['a/x', 'b/y']);
    expect(s.listNamespace('a').map((o) => o.metadata.name)).toEqual(['x']);
    const old = s.upsert(obj('a', 'x', { app: 'db' }));
    expect(old?.metadata.labels).toEqual({ app: 'web' });
    expect(s.indexKeys('app', 'web')).toEqual(['b/y']);
    expect(s.indexKeys('app', 'db')).toEqual(['a/x']);
    expect(s.delete('b/y')?.metadata.name).toBe('y');
    expect(s.delete('b/y')).toBeUndefined();
    expect(s.indexKeys('app', 'web')).toEqual([]);
    expect(s.size).toBe(2);
  });

  it('indexes objects already cached when an index is added later', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', 'x', { tier: 'front' }));
    s.addIndexer('tier', indexByLabel('tier'));
    expect(s.byIndex('tier', 'front').map((o) => o.metadata.name)).toEqual(['x']);
    expect(s.indexNames()).toEqual(['namespace', 'tier']);
  });

  it('throws UnknownIndexError naming the registered indexes', () => {
    const s = new Store<KubeObject>();
    expect(() => s.byIndex('nope', 'x')).toThrow(UnknownIndexError);
    expect(() => s.byIndex('nope', 'x')).toThrow('no index named "nope" (registered: namespace)');
  });

  it('reports a throwing index function and leaves the object out of that index only', () => {
    const onError = vi.fn();
    const s = new Store<KubeObject>({ bad: () => { throw new Error('boom'); } }, onError);
    s.upsert(obj('a', 'x'));
    expect(s.get('a/x')).toBeDefined();
    expect(s.byIndex('namespace', 'a')).toHaveLength(1);
    expect(s.byIndex('bad', 'anything')).toEqual([]);
    expect(onError).toHaveBeenCalledWith('bad', 'a/x', expect.any(Error));
  });

  it('ships index functions for namespace, controller owner and label', () => {
    const owned = obj('ns', 'svc', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Gateway', name: 'gw', uid: 'u', controller: true }, { apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'v' }] });
    expect(indexByController(owned)).toEqual(['Gateway/ns/gw']);
    expect(indexByController(obj('ns', 'x'))).toEqual([]);
    expect(indexByNamespace(obj(undefined, 'x'))).toEqual([]);
    expect(indexByLabel('a')(obj('n', 'x', { a: '' }))).toEqual(['']);
  });

  // Invariant: after any sequence of writes, every index equals a from-scratch computation over the contents.
  const op = fc.record({
    del: fc.boolean(),
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    ns: fc.constantFrom('x', 'y'),
    labels: fc.uniqueArray(fc.constantFrom('p', 'q', 'r'), { maxLength: 2 }),
  });
  test.prop([fc.array(op, { maxLength: 40 })])('indexes always equal a full recomputation', (ops) => {
    const multi = (o: KubeObject) => Object.keys(o.metadata.labels ?? {});
    const s = new Store<KubeObject>({ labels: multi });
    for (const o of ops) {
      if (o.del) s.delete(`${o.ns}/${o.name}`);
      else s.upsert(obj(o.ns, o.name, Object.fromEntries(o.labels.map((l) => [l, '1']))));
    }
    for (const v of ['p', 'q', 'r']) {
      const expected = s.list().filter((x) => multi(x).includes(v)).map((x) => `${x.metadata.namespace}/${x.metadata.name}`).sort();
      expect(s.indexKeys('labels', v).sort()).toEqual(expected);
    }
    for (const ns of ['x', 'y']) expect(s.listNamespace(ns).length).toBe(s.list().filter((x) => x.metadata.namespace === ns).length);
  });
});
