// The one module that loads @kubernetes/client-node; kube-client.ts imports it dynamically, so programs that never
// talk to a cluster (the CLI's offline render) never load the library. It re-exports statically on purpose: a bundler
// keeps the whole namespace of a package imported with `await import('@kubernetes/client-node')` (13.5 MB of generated
// API clients in the controller bundle, about 90 MiB of resident memory), but only KubeConfig and what it uses from a
// static import (docs/benchmarks.md, controller-scale).
export { KubeConfig } from '@kubernetes/client-node';
