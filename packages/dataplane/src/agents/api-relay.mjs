// Relays TCP connections on a node namespace's 127.0.0.1:<port> to a unix socket, whose other end (in the test
// process, host namespace) connects to the real kube-apiserver on the host's 127.0.0.1:<port>. A unix socket is a
// file, so it crosses network namespaces where a loopback TCP listener cannot; TLS passes through untouched and the
// port is the same on both sides, so the same kubeconfig works inside and outside.
//   node api-relay.mjs <port> <unix socket path>
import net from 'node:net';

const [port, socketPath] = process.argv.slice(2);
const server = net.createServer((inbound) => {
  const outbound = net.connect(socketPath);
  inbound.pipe(outbound).pipe(inbound);
  const close = () => { inbound.destroy(); outbound.destroy(); };
  inbound.on('error', close);
  outbound.on('error', close);
  inbound.on('close', close);
  outbound.on('close', close);
});
server.on('error', (e) => { console.error(`relay: ${e.message}`); process.exit(1); });
server.listen(Number(port), '127.0.0.1', () => console.log(`ready 127.0.0.1:${port} -> ${socketPath}`));
