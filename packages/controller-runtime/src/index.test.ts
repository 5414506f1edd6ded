import { describe, expect, it } from 'vitest';
import * as runtime from './index.js';
import * as memory from './memory-cluster/index.js';
import { controllerOf, describeObject, hasFinalizer, isBeingDeleted, objectKey, parseObjectKey, refOf } from './index.js';

describe('object helpers', () => {
  it('keys namespaced and cluster-scoped objects, and parses keys back', () => {
    expect(objectKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
    expect(objectKey({ name: 'a' })).toBe('a');
    expect(parseObjectKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(parseObjectKey('a')).toEqual({ name: 'a' });
  });

  it('reads references, deletion state, finalizers and the controller owner', () => {
    const obj = {
      metadata: {
        name: 'svc',
        namespace: 'ns',
        deletionTimestamp: '2024-01-01T00:00:00Z',
        finalizers: ['x/y'],
        ownerReferences: [
          { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1' },
          { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true },
        ],
      },
    };
    expect(refOf(obj)).toEqual({ namespace: 'ns', name: 'svc' });
    expect(refOf({ metadata: { name: 'x' } })).toEqual({ name: 'x' });
    expect(describeObject('Service', refOf(obj))).toBe('Service ns/svc');
    expect(isBeingDeleted(obj)).toBe(true);
    expect(isBeingDeleted({ metadata: { name: 'x' } })).toBe(false);
    expect(hasFinalizer(obj, 'x/y')).toBe(true);
    expect(hasFinalizer({ metadata: { name: 'x' } }, 'x/y')).toBe(false);
    expect(controllerOf(obj)?.name).toBe('b');
  });
});

describe('public entry', () => {
  it('exports the clients, runtime pieces and every error class', () => {
    for (const name of [
      'KubeClient', 'finalizer', 'Informer', 'Store', 'WorkQueue', 'Controller', 'Manager', 'LeaderElector', 'EventBroadcaster',
      'RuntimeMetrics', 'SharedInformerFactory', 'retryOnConflict', 'isTransient', 'TerminalError', 'NotFoundError', 'ConflictError',
      'GoneError', 'TooManyRequestsError', 'generationChanged', 'setupSignalHandler', 'createLogger', 'formatMicroTime', 'OwnWrites',
    ]) {
      expect(runtime).toHaveProperty(name);
    }
  });

  it('keeps MemoryCluster on its own path (/memory), out of the main entry', () => {
    expect(runtime).not.toHaveProperty('MemoryCluster');
    expect(memory).toHaveProperty('MemoryCluster');
    expect(memory).toHaveProperty('compareKubeVersions');
  });
});
