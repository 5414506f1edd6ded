// The addresses of the data-plane layout. They exist only inside the namespaces a DataPlane makes, so every run can
// use the same ones (two runs never share a namespace) and none of them is ever routed from the host namespace.
//
//   [client]  bridge lan 10.77.0.2/24 fd77::2/64
//      |-- veth --  [node1] lan 10.77.0.11 fd77::11   be 10.78.0.11 fd78::11 -- veth --|
//      |-- veth --  [node2] lan 10.77.0.12 fd77::12   be 10.78.0.12 fd78::12 -- veth --|  [backend] bridge be
//                                                                                          10.78.0.2/24 fd78::2/64
// The client has no route to 10.78/fd78: it reaches a backend only through an address kube-vip announces on a node's
// `lan` and kube-proxy forwards, so an answer proves both did their part.

export const LAN_V4_PREFIX = '10.77.0';
export const LAN_V6_PREFIX = 'fd77::';
export const BACKEND_V4_PREFIX = '10.78.0';
export const BACKEND_V6_PREFIX = 'fd78::';

export const CLIENT_V4 = `${LAN_V4_PREFIX}.2`;
export const CLIENT_V6 = `${LAN_V6_PREFIX}2`;
/** The backend namespace's address: every backend Service's EndpointSlice points here (ports tell backends apart). */
export const BACKEND_V4 = `${BACKEND_V4_PREFIX}.2`;
export const BACKEND_V6 = `${BACKEND_V6_PREFIX}2`;

/** Addresses of node `index` (1-based). */
export function nodeAddresses(index: number): { lanV4: string; lanV6: string; backendV4: string; backendV6: string } {
  const host = 10 + index;
  return {
    lanV4: `${LAN_V4_PREFIX}.${host}`,
    lanV6: `${LAN_V6_PREFIX}${host}`,
    backendV4: `${BACKEND_V4_PREFIX}.${host}`,
    backendV6: `${BACKEND_V6_PREFIX}${host}`,
  };
}

/** The pool the controller allocates Gateway addresses from: on the client's segment, so clients resolve them by ARP/NDP. */
export const POOL_V4 = { first: `${LAN_V4_PREFIX}.100`, last: `${LAN_V4_PREFIX}.199` } as const;
export const POOL_V6 = { first: `${LAN_V6_PREFIX}100`, last: `${LAN_V6_PREFIX}1ff` } as const;
/** kube-vip-cloud-provider / controller ConfigMap value of the IPv4 pool (`range-global` style). */
export const POOL_V4_RANGE = `${POOL_V4.first}-${POOL_V4.last}`;
export const POOL_V6_RANGE = `${POOL_V6.first}-${POOL_V6.last}`;

/** kube-proxy's --cluster-cidr: the backends' segment, so traffic from clients is masqueraded (externalTrafficPolicy Cluster). */
export const CLUSTER_CIDR = `${BACKEND_V4_PREFIX}.0/24,${BACKEND_V6_PREFIX}/64`;
