// `kvgw demo` end to end: a local control plane, the built controller bundle as a process, examples/ applied, every
// Gateway Programmed, the report printed, everything stopped. Needs `npm run build` first (CI runs it before e2e);
// KVGW_CONTROLLER_BUNDLE points at another build of the controller.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultControllerBundle } from '../../src/demo.js';
import { captureIo } from '../../src/internal/capture.js';
import { loadManifests } from '../../src/manifests.js';
import { runCli } from '../../src/program.js';

const REPO = path.resolve(import.meta.dirname, '../../../..');

describe('kvgw demo', () => {
  it('programs every example Gateway and prints their status and Services', async () => {
    const bundle = process.env['KVGW_CONTROLLER_BUNDLE'] ?? defaultControllerBundle();
    expect(bundle !== undefined && existsSync(bundle), `controller bundle ${bundle}: run "npm run build" first`).toBe(true);
    const io = captureIo({ cwd: REPO, env: { NO_COLOR: '1' } });
    // --data-plane off: this suite has no data plane (as root it would run one: test/dataplane/demo.dataplane.test.ts).
    const code = await runCli(['demo', '--controller', bundle!, '--timeout', '90', '--data-plane', 'off'], io);
    expect(code, io.err()).toBe(0);
    const gateways = (await loadManifests(['examples'], { cwd: REPO })).filter((m) => m.object.kind === 'Gateway');
    for (const { object } of gateways) {
      expect(io.out()).toMatch(new RegExp(`\\n${object.metadata.namespace} +${object.metadata.name} +kube-vip +\\S+ +True +True `));
    }
    expect(io.out()).toContain('Services made by the controller\n');
    expect(io.err()).toContain('[demo] every Gateway is Programmed\n');
    expect(io.err()).toContain('[demo] stopped\n');
  }, 240_000);
});
