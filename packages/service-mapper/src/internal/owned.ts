// Which label and annotation keys we set on objects we own, kept on the object itself so that a key we stop setting
// (say a label removed from spec.infrastructure) is removed, while keys others add (kube-vip, the cloud provider,
// users) are left alone.
import { boundedLabelValue, type KubeObject } from '@kube-vip-gw/gateway-model';
import { GATEWAY_NAME_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNED_METADATA_ANNOTATION } from '../constants.js';
import type { GatewayIdentity } from '../types.js';
import { stableStringify } from './json.js';

/** Label and annotation keys we set on an object (excluding the bookkeeping annotation itself). */
export interface OwnedKeys {
  labels: string[];
  annotations: string[];
}

/** Stamps the bookkeeping annotation listing the object's current label and annotation keys. */
export function stampOwnedKeys(obj: KubeObject): void {
  const annotations = (obj.metadata.annotations ??= {});
  delete annotations[OWNED_METADATA_ANNOTATION];
  const keys: OwnedKeys = { labels: Object.keys(obj.metadata.labels ?? {}).sort(), annotations: Object.keys(annotations).sort() };
  annotations[OWNED_METADATA_ANNOTATION] = stableStringify(keys);
}

/** The keys recorded on an object; empty lists when the annotation is absent or unreadable. */
export function readOwnedKeys(obj: KubeObject): OwnedKeys {
  const text = obj.metadata.annotations?.[OWNED_METADATA_ANNOTATION];
  if (text === undefined) return { labels: [], annotations: [] };
  try {
    const parsed = JSON.parse(text) as Partial<OwnedKeys>;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { labels: strings(parsed.labels), annotations: strings(parsed.annotations) };
  } catch {
    return { labels: [], annotations: [] };
  }
}

/** True when `obj` is ours for this Gateway: our labels AND a controller owner reference to the Gateway's uid. */
export function isOwnedBy(obj: KubeObject, gateway: GatewayIdentity): boolean {
  const labels = obj.metadata.labels ?? {};
  return (
    obj.metadata.namespace === gateway.namespace &&
    labels[GATEWAY_NAME_LABEL] === boundedLabelValue(gateway.name) &&
    labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    (obj.metadata.ownerReferences ?? []).some((r) => r.kind === 'Gateway' && r.uid === gateway.uid && r.controller === true)
  );
}

/** True when `obj` is a generated object of some Gateway (ours or another's): never to be adopted by `update`. */
export function isGenerated(obj: KubeObject): boolean {
  return (
    obj.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    (obj.metadata.ownerReferences ?? []).some((r) => r.kind === 'Gateway' && r.controller === true)
  );
}
