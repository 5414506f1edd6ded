// Reaching a live cluster: one connector (KubeClient from a kubeconfig) that tests replace with a MemoryCluster, and
// list helpers that turn client failures into ClusterAccessErrors naming what was being read.
import {
  isNotFound,
  KubeClient,
  listAll,
  type Client,
  type KubeObject,
  type ListOptions,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ClusterAccessError, CliUsageError } from './errors.js';

/** Opens a client for a kubeconfig path (undefined: KUBECONFIG, ~/.kube/config, in-cluster, as kubectl does). */
export type ClusterConnector = (kubeconfig: string | undefined) => Promise<Client>;

/**
 * True when kubectl's default chain would find something: $KUBECONFIG, ~/.kube/config, or an in-cluster service
 * account. (@kubernetes/client-node otherwise falls back to http://localhost:8080, whose error explains nothing.)
 */
export function hasDefaultKubeconfig(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): boolean {
  if (env['KUBECONFIG']) return true;
  if (existsSync(path.join(home, '.kube', 'config'))) return true;
  return env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/** A connector making KubeClients; without --kubeconfig it needs the default chain (env/home) to find one. */
export function kubeClientConnector(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): ClusterConnector {
  return async (kubeconfig) => {
    if (kubeconfig === undefined && !hasDefaultKubeconfig(env, home)) {
      throw new ClusterAccessError('find a cluster', 'no kubeconfig: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config (kvgw local-cluster --kubeconfig <file> writes one)');
    }
    try {
      return await KubeClient.create({
        source: kubeconfig !== undefined ? { kind: 'file', path: kubeconfig } : { kind: 'default' },
        userAgent: 'kvgw',
        requestTimeoutMs: 15_000,
      });
    } catch (error) {
      throw new ClusterAccessError(kubeconfig !== undefined ? `load kubeconfig ${kubeconfig}` : 'load kubeconfig', (error as Error).message);
    }
  };
}

/** The real connector: a KubeClient; kubeconfig problems become a ClusterAccessError naming the file. */
export const connectKubeClient: ClusterConnector = kubeClientConnector();

/** Lists every object of a kind; a kind the server does not serve (missing CRD) gives undefined instead of an error. */
export async function listIfServed<T extends KubeObject>(client: Client, res: ResourceDescriptor, opts: ListOptions = {}): Promise<T[] | undefined> {
  try {
    return (await listAll<T>(client, res, opts)).items;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ClusterAccessError(`list ${res.kind}s${opts.namespace ? ` in namespace ${opts.namespace}` : ''}`, (error as Error).message);
  }
}

/** Lists every object of a kind; any failure is a ClusterAccessError. */
export async function listRequired<T extends KubeObject>(client: Client, res: ResourceDescriptor, opts: ListOptions = {}): Promise<T[]> {
  const items = await listIfServed<T>(client, res, opts);
  if (items === undefined) throw new ClusterAccessError(`list ${res.kind}s`, 'the server does not serve this kind');
  return items;
}

/** A ConfigMap reference: `name` (namespace kube-system) or `namespace/name`, as the controller's --ipam-configmap. */
export function parseConfigMapRef(value: string, flag = '--ipam-configmap'): { namespace: string; name: string } {
  const dns1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  const parts = value.split('/');
  const [a, b] = parts;
  if (parts.length === 1 && a !== undefined && dns1123.test(a)) return { namespace: 'kube-system', name: a };
  if (parts.length === 2 && a !== undefined && b !== undefined && dns1123.test(a) && dns1123.test(b)) return { namespace: a, name: b };
  throw new CliUsageError(flag, `"${value}" is not "name" or "namespace/name" of a ConfigMap`);
}

/** Closes a client when it holds connections (KubeClient); a MemoryCluster needs nothing. */
export async function closeClient(client: Client): Promise<void> {
  const closable = client as Client & { close?: () => Promise<void> };
  if (typeof closable.close === 'function') await closable.close();
}
