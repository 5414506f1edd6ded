// Tagged error classes of the IPAM package. Each names the offending input in its message, so a controller can
// put `error.message` straight into a status condition or an event.

/** Address family of an IP address or pool. */
export type IPFamily = 'IPv4' | 'IPv6';

/** A ConfigMap pool or reserved-list entry that cannot be used; the whole key it belongs to is refused. */
export class InvalidPoolError extends Error {
  readonly _tag = 'InvalidPoolError' as const;
  constructor(
    /** ConfigMap key, e.g. `range-global`. */
    readonly key: string,
    /** The offending entry as written (after trimming). */
    readonly entry: string,
    /** Why it is refused. */
    readonly reason: string,
  ) {
    super(`${key} entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = 'InvalidPoolError';
  }
}

/** A ConfigMap setting (`search-order`, `skip-end-ips-in-cidr`, `allow-share-*`) with a value that is not understood; the default applies. */
export class InvalidSettingError extends Error {
  readonly _tag = 'InvalidSettingError' as const;
  constructor(
    readonly key: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${key} value ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidSettingError';
  }
}

/** Text that is not an IP address this package accepts (DNS names, zones, malformed literals). */
export class InvalidAddressError extends Error {
  readonly _tag = 'InvalidAddressError' as const;
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`address ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidAddressError';
  }
}

/** An allocation request whose fields are malformed (unknown ipFamilyPolicy, bad port, empty namespace...). */
export class InvalidRequestError extends Error {
  readonly _tag = 'InvalidRequestError' as const;
  /** The offending value, rendered as JSON. */
  readonly value: string;
  constructor(
    readonly field: string,
    value: unknown,
    readonly reason: string,
  ) {
    const rendered = renderValue(value);
    super(`${field} ${rendered}: ${reason}`);
    this.value = rendered;
    this.name = 'InvalidRequestError';
  }
}

function renderValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** No pool key applies to a namespace. */
export class NoPoolError extends Error {
  readonly _tag = 'NoPoolError' as const;
  constructor(readonly namespace: string) {
    super(
      `namespace ${JSON.stringify(namespace)}: no address pool (none of cidr-${namespace}, range-${namespace}, cidr-global, range-global is set)`,
    );
    this.name = 'NoPoolError';
  }
}

/** Every allocatable address of a pool's family is in use (the controller's `Programmed=False/AddressNotAssigned`). */
export class PoolExhaustedError extends Error {
  readonly _tag = 'PoolExhaustedError' as const;
  constructor(
    readonly key: string,
    readonly namespace: string,
    readonly families: readonly IPFamily[],
  ) {
    super(`${key} (namespace ${JSON.stringify(namespace)}): no free ${families.join(' or ')} address`);
    this.name = 'PoolExhaustedError';
  }
}

/** The pool has no addresses of a family the request needs (SingleStack of that family, or RequireDualStack). */
export class FamilyUnavailableError extends Error {
  readonly _tag = 'FamilyUnavailableError' as const;
  constructor(
    readonly key: string,
    readonly family: IPFamily,
    readonly policy: string,
  ) {
    super(`${key} has no ${family} addresses, needed by ipFamilyPolicy ${policy}`);
    this.name = 'FamilyUnavailableError';
  }
}

/** A requested address is outside the namespace's pool (or is an address the pool never hands out). */
export class AddressNotInPoolError extends Error {
  readonly _tag = 'AddressNotInPoolError' as const;
  constructor(
    readonly address: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`address ${JSON.stringify(address)} is not in pool ${key}: ${reason}`);
    this.name = 'AddressNotInPoolError';
  }
}

/** A requested address is held by another consumer and cannot be shared with this one. */
export class AddressInUseError extends Error {
  readonly _tag = 'AddressInUseError' as const;
  constructor(
    readonly address: string,
    /** Owners holding it (`(unnamed)` for holders recorded without an owner). */
    readonly holders: readonly string[],
    readonly reason: string,
  ) {
    super(`address ${JSON.stringify(address)} is in use by ${holders.join(', ')}: ${reason}`);
    this.name = 'AddressInUseError';
  }
}

/** A requested address is listed in a `reserved-*` key. */
export class AddressReservedError extends Error {
  readonly _tag = 'AddressReservedError' as const;
  constructor(
    readonly address: string,
    readonly key: string,
  ) {
    super(`address ${JSON.stringify(address)} is reserved by ${key}`);
    this.name = 'AddressReservedError';
  }
}

/** Every error this package returns. */
export type IpamError =
  | InvalidPoolError
  | InvalidSettingError
  | InvalidAddressError
  | InvalidRequestError
  | NoPoolError
  | PoolExhaustedError
  | FamilyUnavailableError
  | AddressNotInPoolError
  | AddressInUseError
  | AddressReservedError;

// Result, ok() and err() are kube-core's (one definition for every package).
export { err, ok, type Result } from '@kube-vip-gw/kube-core';
