// Backend echo server, run inside a backend namespace: for each port, TCP and UDP on every address (IPv4 and IPv6).
// Each answer is one JSON line naming the backend, the protocol, the local port and the peer's address, so a test can
// tell which backend answered and whether it saw the client's own address (externalTrafficPolicy Local).
//   node echo-server.mjs <name> <port>[,<port>...]
import dgram from 'node:dgram';
import net from 'node:net';

const [name, portList] = process.argv.slice(2);
if (!name || !portList) {
  console.error('usage: echo-server.mjs <name> <port>[,<port>...]');
  process.exit(2);
}
const ports = portList.split(',').map(Number);
const unmapped = (a) => (a?.startsWith('::ffff:') ? a.slice(7) : a);
const answer = (proto, port, peer, payload) => `${JSON.stringify({ backend: name, proto, port, peer: unmapped(peer), payload })}\n`;

let pending = ports.length * 2;
const ready = () => {
  pending -= 1;
  if (pending === 0) console.log(`ready ${name} ${ports.join(',')}`);
};
for (const port of ports) {
  const tcp = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.once('data', (data) => socket.end(answer('tcp', port, socket.remoteAddress, data.trim())));
    socket.on('error', () => undefined);
  });
  tcp.on('error', (e) => { console.error(`tcp ${port}: ${e.message}`); process.exit(1); });
  tcp.listen({ port, host: '::', ipv6Only: false }, ready);
  const udp = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  udp.on('message', (msg, rinfo) => udp.send(answer('udp', port, rinfo.address, msg.toString('utf8').trim()), rinfo.port, rinfo.address));
  udp.on('error', (e) => { console.error(`udp ${port}: ${e.message}`); process.exit(1); });
  udp.bind(port, '::', ready);
}
