import { describe, expect, it } from 'vitest';
import { hasTag, InvalidLabelSelectorError, TaggedError } from './errors.js';
import {
  controllerOf,
  describeObject,
  hasFinalizer,
  isBeingDeleted,
  type KubeObject,
  objectKey,
  parseObjectKey,
  refOf,
  withFinalizer,
  withoutFinalizer,
} from './object.js';
import { err, ok } from './result.js';

const obj: KubeObject = {
  metadata: {
    name: 'web',
    namespace: 'apps',
    finalizers: ['a/x'],
    ownerReferences: [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: '1' },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: '2', controller: true },
    ],
  },
};

describe('object metadata helpers', () => {
  it('keys and references round-trip for namespaced and cluster-scoped objects', () => {
    expect(objectKey(obj.metadata)).toBe('apps/web');
    expect(parseObjectKey('apps/web')).toEqual({ namespace: 'apps', name: 'web' });
    expect(objectKey({ name: 'class' })).toBe('class');
    expect(parseObjectKey('class')).toEqual({ name: 'class' });
    expect(refOf(obj)).toEqual({ namespace: 'apps', name: 'web' });
    expect(describeObject('Service', refOf(obj))).toBe('Service apps/web');
  });

  it('finalizer helpers return new lists and leave the object alone', () => {
    expect(hasFinalizer(obj, 'a/x')).toBe(true);
    expect(withFinalizer(obj, 'a/y')).toEqual(['a/x', 'a/y']);
    expect(withFinalizer(obj, 'a/x')).toEqual(['a/x']);
    expect(withoutFinalizer(obj, 'a/x')).toEqual([]);
    expect(obj.metadata.finalizers).toEqual(['a/x']);
    expect(withFinalizer({ metadata: { name: 'n' } }, 'a/x')).toEqual(['a/x']);
  });

  it('finds the controller owner and the deletion state', () => {
    expect(controllerOf(obj)?.name).toBe('gw');
    expect(controllerOf({ metadata: { name: 'n' } })).toBeUndefined();
    expect(isBeingDeleted(obj)).toBe(false);
    expect(isBeingDeleted({ metadata: { name: 'n', deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(true);
  });
});

describe('Result and tagged errors', () => {
  it('tags errors with their class name', () => {
    const e = new InvalidLabelSelectorError('a in (b', 'expected ")"');
    expect(e).toBeInstanceOf(TaggedError);
    expect(e.name).toBe('InvalidLabelSelectorError');
    expect(e.message).toBe('invalid label selector "a in (b": expected ")"');
    expect(hasTag(e, 'InvalidLabelSelectorError')).toBe(true);
    expect(hasTag(new Error('x'), 'InvalidLabelSelectorError')).toBe(false);
  });

  it('wraps values and errors', () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    expect(err('no')).toEqual({ ok: false, error: 'no' });
  });
});
