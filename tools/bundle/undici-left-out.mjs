// Stands in for the undici package in the apps' bundles (tsup.shared.ts). @kubernetes/client-node 2 imports undici at
// the top of config.js for the transport of its own generated API clients; the apps use only KubeConfig's loading and
// send every request over node:http(s) (controller-runtime's KubeClient), so undici is never called. Bundled, it is
// ~1.35 MB of code and ~4 MiB of resident memory (docs/benchmarks.md, "Dependency change"). If a future use reaches
// it, it fails loudly instead of silently taking another transport.
function leftOut() {
  throw new Error('undici is left out of this bundle (tools/bundle/undici-left-out.mjs): KubeClient sends requests over node:http(s)');
}
class LeftOut {
  constructor() {
    leftOut();
  }
}
export const Agent = LeftOut;
export const ProxyAgent = LeftOut;
export const fetch = leftOut;
