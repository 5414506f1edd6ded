// Object metadata types and helpers come from @kube-vip-gw/kube-core; re-exported here because every runtime API
// speaks in them, so programs that use only the runtime need not import kube-core too.

export {
  controllerOf,
  describeObject,
  hasFinalizer,
  isBeingDeleted,
  objectKey,
  parseObjectKey,
  refOf,
  withFinalizer,
  withoutFinalizer,
  type KubeObject,
  type ObjectMeta,
  type ObjectRef,
  type OwnerReference,
} from '@kube-vip-gw/kube-core';
