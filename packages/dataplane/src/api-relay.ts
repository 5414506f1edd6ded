// The host end of the API server relay: a unix socket that forwards every connection to the API server's loopback
// port. Processes in a network namespace reach it through the namespace end (agents/api-relay.mjs), so they never
// need a route to the host. Shared by the data plane and the conformance runner's client namespace.
import net from 'node:net';

/** A listening relay; `setBlocked(true)` refuses new connections and cuts the open ones (an API server outage). */
export interface ApiRelay {
  readonly server: net.Server;
  setBlocked(blocked: boolean): void;
  close(): void;
}

/** Listens on `socketPath` and relays each connection to 127.0.0.1:`apiServerPort`. */
export async function startApiRelay(socketPath: string, apiServerPort: number): Promise<ApiRelay> {
  let blocked = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    if (blocked) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(apiServerPort, '127.0.0.1');
    open.add(inbound);
    inbound.once('close', () => open.delete(inbound));
    inbound.pipe(outbound).pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    for (const s of [inbound, outbound]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  server.unref();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    server,
    setBlocked(value: boolean): void {
      blocked = value;
      if (value) for (const s of open) s.destroy();
    },
    close(): void {
      server.close();
    },
  };
}
