// Client prober, run inside the client namespace. Reads one JSON request per line on stdin and writes one JSON result
// per line on stdout, so a test can send thousands of probes without starting a process for each.
//   {"id":1,"op":"tcp"|"udp","host":"10.77.0.100","port":80,"payload":"x","timeoutMs":1500}
//     -> {"id":1,"ok":true,"reply":{...echo answer...},"ms":3}  or  {"id":1,"ok":false,"error":"ECONNREFUSED","ms":1}
//   {"id":2,"op":"flush"} -> flushes the neighbour cache (`ip neigh flush all`), so the next probe resolves the
//     address again: with a cached entry, traffic to an address kube-vip already removed still reaches kube-proxy.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const parse = (text) => {
  try {
    return JSON.parse(text.trim().split('\n')[0]);
  } catch {
    return { raw: text };
  }
};

function tcp(req, t0) {
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const done = (r) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const socket = net.connect({ host: req.host, port: req.port });
    socket.setEncoding('utf8');
    socket.setTimeout(req.timeoutMs ?? 1500, () => done({ ok: false, error: data ? 'ETIMEDOUT_AFTER_DATA' : 'ETIMEDOUT' }));
    socket.once('connect', () => socket.write(`${req.payload ?? 'probe'}\n`));
    socket.on('data', (c) => (data += c));
    socket.once('end', () => done(data ? { ok: true, reply: parse(data) } : { ok: false, error: 'EMPTY' }));
    socket.once('error', (e) => done({ ok: false, error: e.code ?? e.message }));
  });
}

function udp(req, t0) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(req.host) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'ETIMEDOUT' }), req.timeoutMs ?? 1500);
    socket.on('message', (msg) => done({ ok: true, reply: parse(msg.toString('utf8')) }));
    // An ICMP port-unreachable (kube-proxy's reject for a Service without endpoints) surfaces as ECONNREFUSED.
    socket.on('error', (e) => done({ ok: false, error: e.code ?? e.message }));
    socket.connect(req.port, req.host, () => socket.send(`${req.payload ?? 'probe'}\n`));
  });
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  const t0 = Date.now();
  if (req.op === 'flush') {
    const r = spawnSync('ip', ['neigh', 'flush', 'all'], { encoding: 'utf8' });
    out({ id: req.id, ok: r.status === 0, error: r.stderr || undefined, ms: Date.now() - t0 });
  } else if (req.op === 'tcp') {
    out({ id: req.id, ...(await tcp(req, t0)) });
  } else if (req.op === 'udp') {
    out({ id: req.id, ...(await udp(req, t0)) });
  } else {
    out({ id: req.id, ok: false, error: `unknown op ${req.op}` });
  }
});
console.error('prober ready');
