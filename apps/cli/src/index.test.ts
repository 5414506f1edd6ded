import { expect, it } from 'vitest';
import * as cli from './index.js';
import { captureIo } from './internal/capture.js';

it('exposes the command tree and the commands as functions from the one public entry', async () => {
  expect(cli.buildProgram(captureIo()).name()).toBe('kvgw');
  for (const fn of [cli.runCli, cli.renderManifests, cli.loadManifests, cli.ipamAllocate, cli.ipamCheck, cli.ipamUsage, cli.status, cli.localCluster, cli.demo]) {
    expect(typeof fn).toBe('function');
  }
  const io = captureIo();
  expect(await cli.runCli(['ipam', 'allocate', '--pool', '10.0.0.1-10.0.0.2'], io)).toBe(cli.ExitCode.Ok);
  expect(io.out()).toBe('10.0.0.1\n');
});
