// The workspace's dependency direction as data, read by eslint.config.js (eslint-plugin-boundaries) and by the test
// that proves the rule fires (boundaries.test.ts). Each project's tags are also in its package.json "nx" field, so
// `nx show projects --projects tag:scope:pure` lists the same sets; this table is the one the linter enforces, and
// it names the planned kube-core and controller library so that they are checked the moment their folders exist.

/** @typedef {{ type: string, folder: string, tags: string[], mayImport: string[] }} Project */

/** @type {Project[]} */
export const projects = [
  // Pure packages: no I/O, no clock. kube-core is the bottom; ipam <- gateway-model <- service-mapper above it.
  { type: 'kube-core', folder: 'packages/kube-core', tags: ['type:lib', 'scope:pure'], mayImport: [] },
  { type: 'ipam', folder: 'packages/ipam', tags: ['type:lib', 'scope:pure'], mayImport: ['kube-core'] },
  {
    type: 'gateway-model',
    folder: 'packages/gateway-model',
    tags: ['type:lib', 'scope:pure'],
    mayImport: ['kube-core', 'ipam'],
  },
  {
    type: 'service-mapper',
    folder: 'packages/service-mapper',
    tags: ['type:lib', 'scope:pure'],
    mayImport: ['kube-core', 'ipam', 'gateway-model'],
  },
  // I/O libraries.
  {
    type: 'controller-runtime',
    folder: 'packages/controller-runtime',
    tags: ['type:lib', 'scope:io'],
    mayImport: ['kube-core', 'test-support'],
  },
  {
    type: 'controller',
    folder: 'packages/controller',
    tags: ['type:lib', 'scope:io'],
    mayImport: ['kube-core', 'ipam', 'gateway-model', 'service-mapper', 'controller-runtime', 'test-support'],
  },
  // Test support: harnesses shared by the e2e, reliability and data-plane suites; never imported by a library's
  // shipped code (only by tests, see testOnly below).
  {
    type: 'test-support',
    folder: 'packages/test-support',
    tags: ['type:lib', 'scope:test'],
    mayImport: ['kube-core', 'controller-runtime'],
  },

  // The real data plane (kube-vip + kube-proxy in network namespaces): the data-plane suite's harness, and what
  // `kvgw demo` runs, so shipped CLI code may import it; it must itself stay free of test-only code.
  {
    type: 'dataplane',
    folder: 'packages/dataplane',
    tags: ['type:lib', 'scope:io'],
    mayImport: ['kube-core', 'controller-runtime'],
  },
  // Apps: may use every library; no library may import an app.
  {
    type: 'app-controller',
    folder: 'apps/controller',
    tags: ['type:app'],
    mayImport: ['kube-core', 'ipam', 'gateway-model', 'service-mapper', 'controller-runtime', 'controller', 'test-support', 'dataplane'],
  },
  {
    type: 'app-cli',
    folder: 'apps/cli',
    tags: ['type:app'],
    // dataplane: `kvgw demo` runs a real data plane when the machine allows it (docs/cli.md).
    mayImport: ['kube-core', 'ipam', 'gateway-model', 'service-mapper', 'controller-runtime', 'controller', 'dataplane', 'test-support'],
  },
];

/** Libraries whose code only tests may import. */
export const testOnly = ['test-support'];

/** Files that are tests or test harnesses (they may use the test-only libraries). */
// tools/ holds test, benchmark and conformance harnesses.
export const testFiles = ['**/*.test.ts', '**/test/**', '**/testing/**', '**/envtest/**', '**/bench/**', 'tools/**'];

/** Node modules that do I/O, read the clock or start processes: never imported by a pure package's source. */
export const ioModules = [
  'child_process',
  'cluster',
  'dgram',
  'dns',
  'dns/promises',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'net',
  'os',
  'perf_hooks',
  'process',
  'readline',
  'repl',
  'timers',
  'timers/promises',
  'tls',
  'worker_threads',
].flatMap((name) => [name, `node:${name}`]).concat(['@kubernetes/client-node']);

// With boundaries/files-single-match the first category that matches wins: a test file is 'test', any other 'source'.
export const boundaryFiles = [
  { category: 'test', pattern: testFiles },
  { category: 'source', pattern: '**/*' },
];

export const boundaryElements = projects.map(({ type, folder }) => ({ type, pattern: folder }));

const reason = (type) => `${type} may import only ${projects.find((p) => p.type === type)?.mayImport.join(', ') || 'nothing in the workspace'} (the dependency direction in README.md)`;

export const boundaryPolicies = [
  ...projects.map(({ type, mayImport }) => ({
    from: { element: { type } },
    disallow: { to: { element: { types: { noneOf: [type, ...mayImport] } } } },
    message: reason(type),
  })),
  {
    from: { file: { categories: 'source' } },
    disallow: { to: { element: { types: { anyOf: testOnly } } } },
    message: 'a library or app source may not import test-only code (test-support, dataplane)',
  },
];
