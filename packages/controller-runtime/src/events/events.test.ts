import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerError } from '../errors.js';
import { EventBroadcaster, type EventObject } from './events.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import { Event } from '../resources.js';
import { FaultyClient } from '../testing/faulty-client.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const gateway: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'apps', uid: 'u1', resourceVersion: '7' } };

async function events(c: MemoryCluster): Promise<EventObject[]> {
  return (await c.list<EventObject>(Event)).items;
}

describe('EventBroadcaster', () => {
  it('creates an events.k8s.io/v1 Event with the fields the API server requires', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'kube-vip.io/gateway', reportingInstance: 'pod-1' });
    b.recorder().event(gateway, 'Normal', 'AddressAssigned', 'assigned 192.0.2.10');
    await b.flush();
    const [ev] = await events(cluster);
    expect(ev).toMatchObject({
      metadata: { namespace: 'apps', name: expect.stringMatching(/^gw\.[0-9a-f]+$/) },
      eventTime: '2030-01-01T00:00:00.000000Z',
      reportingController: 'kube-vip.io/gateway',
      reportingInstance: 'pod-1',
      action: 'AddressAssigned',
      reason: 'AddressAssigned',
      note: 'assigned 192.0.2.10',
      type: 'Normal',
      regarding: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'apps', name: 'gw', uid: 'u1', resourceVersion: '7' },
    });
    expect(ev?.series).toBeUndefined();
  });

  it('aggregates repeats into one Event with a series count, written at most once per interval', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'c', reportingInstance: 'i', seriesUpdateIntervalMs: 5_000 });
    const r = b.recorder();
    r.event(gateway, 'Warning', 'NoAddress', 'pool exhausted');
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 9; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      r.event(gateway, 'Warning', 'NoAddress', 'pool exhausted');
    }
    await vi.advanceTimersByTimeAsync(0);
    const before = cluster.requestCounts().patch ?? 0;
    await b.flush();
    const list = await events(cluster);
    expect(list).toHaveLength(1);
    expect(list[0]?.series).toEqual({ count: 10, lastObservedTime: '2030-01-01T00:00:09.000000Z' });
    // 10 occurrences over 9 s: one create and at most three series patches.
    expect(cluster.requestCounts().create).toBe(1);
    expect((cluster.requestCounts().patch ?? 0)).toBeLessThanOrEqual(3);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it('starts a new Event for a different note, and after the series window', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'c', reportingInstance: 'i', seriesWindowMs: 60_000 });
    const r = b.recorder();
    r.event(gateway, 'Normal', 'AddressAssigned', 'assigned 192.0.2.10');
    r.event(gateway, 'Normal', 'AddressAssigned', 'assigned 192.0.2.11');
    await b.flush();
    expect(await events(cluster)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(61_000);
    r.event(gateway, 'Normal', 'AddressAssigned', 'assigned 192.0.2.10');
    await b.flush();
    expect(await events(cluster)).toHaveLength(3);
  });

  it('puts events about cluster-scoped objects in the default namespace and truncates long notes to 1 kB', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'c', reportingInstance: 'i' });
    b.recorder().event({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'kv' } }, 'Normal', 'Accepted', 'x'.repeat(5000));
    await b.flush();
    const [ev] = await events(cluster);
    expect(ev?.metadata.namespace).toBe('default');
    expect(Buffer.byteLength(ev!.note!)).toBeLessThanOrEqual(1024);
    expect(ev?.note?.endsWith('...')).toBe(true);
  });

  it('never throws into the caller when the API fails, and starts over when the Event expired', async () => {
    const cluster = new MemoryCluster();
    const faulty = new FaultyClient(cluster).failNext('create', new ServerError('down', { code: 503 }));
    const b = new EventBroadcaster({ client: faulty, reportingController: 'c', reportingInstance: 'i', seriesUpdateIntervalMs: 0 });
    const r = b.recorder();
    expect(() => r.event(gateway, 'Normal', 'R', 'n')).not.toThrow();
    await b.flush();
    expect(await events(cluster)).toHaveLength(0);
    r.event(gateway, 'Normal', 'Other', 'n');
    await b.flush();
    const [ev] = await events(cluster);
    await cluster.delete(Event, { namespace: 'apps', name: ev!.metadata.name });
    r.event(gateway, 'Normal', 'Other', 'n'); // series patch hits 404: the entry is dropped
    await b.flush();
    r.event(gateway, 'Normal', 'Other', 'n'); // so this creates a fresh Event
    await b.flush();
    expect((await events(cluster)).map((e) => e.reason)).toEqual(['Other']);
  });

  it('keeps Event names within 253 characters for long object names', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'c', reportingInstance: 'i' });
    const long = `${'a'.repeat(200)}.${'b'.repeat(52)}`;
    b.recorder().event({ ...gateway, metadata: { ...gateway.metadata, name: long } }, 'Normal', 'R', 'n');
    await b.flush();
    const [ev] = await events(cluster);
    expect(ev?.metadata.name.length).toBeLessThanOrEqual(253);
    expect(ev?.regarding.name).toBe(long);
  });

  it('ignores events after close', async () => {
    const cluster = new MemoryCluster();
    const b = new EventBroadcaster({ client: cluster, reportingController: 'c', reportingInstance: 'i' });
    await b.close();
    b.recorder().event(gateway, 'Normal', 'R', 'n');
    await b.flush();
    expect(await events(cluster)).toHaveLength(0);
  });
});
