// @kube-vip-gw/kube-core: pure Kubernetes building blocks shared by every package (no I/O, no clock, no dependencies).

export * from './errors.js';
export * from './result.js';
export * from './object.js';
export * from './json.js';
export * from './merge-patch.js';
export * from './json-patch.js';
export * from './selectors.js';
export * from './names.js';
