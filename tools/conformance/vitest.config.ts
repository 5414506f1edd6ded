import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The conformance runner's result parsing (go test -json -> verdicts, table, CI summary), part of `npm test`.
// Siblings resolve from source, as vitest.shared.ts's sourceResolve does (pod-backends.ts reaches
// @kube-vip-gw/controller-runtime through the data plane; this file is type-checked by tsconfig.json, which cannot
// import a .ts path).
const conditions = ['@kube-vip-gw/source', ...defaultServerConditions];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@kube-vip-gw/source'] } },
  test: { name: 'conformance-harness', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
