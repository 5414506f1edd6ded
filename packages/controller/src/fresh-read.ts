// The fresh read a new allocation is checked against. kube-vip-cloud-provider allocates from the same ConfigMap, counts
// only Services labelled implementation=kube-vip, and writes its choice milliseconds before our cache can show it
// (measured: a Gateway and a plain Service created at the same moment got the same address in 16-17 of 20 rounds).
// The read is narrow: Services labelled implementation=kube-vip that this controller did not make (the label
// selector leaves ours out: the AddressBook already holds every address it gave them, reservations included), so
// its cost follows the number of other allocators' Services, not the number of Gateways. Allocations that wait at the
// same time share one list, started after the last of them asked (so each sees every write made before it asked).
import { carriedAddresses, type Service } from '@kube-vip-gw/gateway-model';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '@kube-vip-gw/service-mapper';
import { Service as ServiceResource, listAll, type Client } from '@kube-vip-gw/controller-runtime';
import { serviceOwner, type OwnerKey } from './address-book.js';

/** Label kube-vip-cloud-provider puts on (and looks for on) the Services whose addresses it counts as used. */
export const IMPLEMENTATION_LABEL = 'implementation';

/** Addresses (canonical) that Services of other holders than `owner` carry, read from the API server now. */
export type ForeignAddressReader = (owner: OwnerKey) => Promise<Set<string>>;

/** The label selector of the fresh read. */
export const FOREIGN_SERVICES_SELECTOR = `${IMPLEMENTATION_LABEL}=kube-vip,${MANAGED_BY_LABEL}!=${MANAGED_BY_VALUE}`;

async function listForeign(client: Client): Promise<Service[]> {
  return (await listAll<Service>(client, ServiceResource, { labelSelector: FOREIGN_SERVICES_SELECTOR })).items;
}

function addressesNotOf(services: readonly Service[], owner: OwnerKey): Set<string> {
  const out = new Set<string>();
  for (const s of services) if (serviceOwner(s) !== owner) for (const a of carriedAddresses(s)) out.add(a);
  return out;
}

/** One list per call (render, tests). */
export function freshForeignAddresses(client: Client): ForeignAddressReader {
  return async (owner) => addressesNotOf(await listForeign(client), owner);
}

/** One list for every caller waiting at once: a caller that arrives during a list waits for the next one. */
export class BatchedForeignAddresses {
  #inFlight: Promise<Service[]> | undefined;
  #next: Promise<Service[]> | undefined;
  /** Lists made (for tests and the measurement). */
  lists = 0;

  constructor(private readonly client: Client) {}

  readonly read: ForeignAddressReader = async (owner) => addressesNotOf(await this.#services(), owner);

  #start(): Promise<Service[]> {
    this.lists++;
    const p = listForeign(this.client).finally(() => {
      if (this.#inFlight === p) this.#inFlight = undefined;
    });
    this.#inFlight = p;
    return p;
  }

  #services(): Promise<Service[]> {
    if (this.#inFlight === undefined) return this.#start();
    if (this.#next === undefined) {
      const after = this.#inFlight.then(
        () => undefined,
        () => undefined,
      );
      this.#next = after.then(() => {
        this.#next = undefined;
        return this.#start();
      });
    }
    return this.#next;
  }
}
