// The controller's defaults that the binary's flags, the offline render and the CLI share, written once here.

/** The GatewayClass spec.controllerName this controller serves by default. */
export const DEFAULT_CONTROLLER_NAME = 'kube-vip.io/controller';

/** Default IPAM ConfigMap: the one kube-vip-cloud-provider reads, so both allocate from one pool. */
export const DEFAULT_IPAM_CONFIGMAP = 'kube-system/kubevip';

/** Thrown for a flag value that cannot be used; the message names the flag and the value. */
export class InvalidFlagError extends Error {
  readonly _tag = 'InvalidFlagError';
  constructor(flag: string, value: string, why: string) {
    super(`invalid value "${value}" for ${flag}: ${why}`);
    this.name = 'InvalidFlagError';
  }
}

/** Parses `name` or `namespace/name`. */
export function parseConfigMapRef(value: string, flag = '--ipam-configmap'): { namespace: string; name: string } {
  const parts = value.split('/');
  const dns1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  const [a, b] = parts;
  if (parts.length === 1 && a && dns1123.test(a)) return { namespace: 'kube-system', name: a };
  if (parts.length === 2 && a && b && dns1123.test(a) && dns1123.test(b)) return { namespace: a, name: b };
  throw new InvalidFlagError(flag, value, `expected "name" or "namespace/name" of a ${flag === '--ipam-configmap' ? 'ConfigMap' : 'Lease'}`);
}
