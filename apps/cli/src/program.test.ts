import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { captureIo } from './internal/capture.js';
import { buildProgram, runCli, type CliDeps } from './program.js';

async function cli(args: string[], options: { deps?: CliDeps; env?: Record<string, string>; tty?: boolean } = {}) {
  const io = captureIo({ env: options.env, tty: options.tty });
  const code = await runCli(args, io, options.deps);
  return { code, out: io.out(), err: io.err() };
}

const COMMANDS = [['render'], ['ipam'], ['ipam', 'allocate'], ['ipam', 'check'], ['ipam', 'usage'], ['status'], ['local-cluster'], ['demo']];

describe('the command tree', () => {
  it('names the program kvgw and has every command of the contract', () => {
    const program = buildProgram(captureIo());
    expect(program.name()).toBe('kvgw');
    expect(program.commands.map((c) => c.name())).toEqual(['render', 'ipam', 'status', 'local-cluster', 'demo']);
    expect(program.commands.find((c) => c.name() === 'ipam')!.commands.map((c) => c.name())).toEqual(['allocate', 'check', 'usage']);
  });

  it.each(COMMANDS)('%s %s --help prints usage with examples on stdout and exits 0', async (...command) => {
    const r = await cli([...command, '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^Usage: kvgw ${command.join(' ')} \\[options\\]`));
    expect(r.out).toContain('Exit codes:');
    expect(r.out).toContain('Examples:\n  $ ');
    expect(r.out).toContain('-h, --help');
  });

  it('documents the exit codes in the main help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Exit codes:\n  0  success\n  1  failure or invalid input');
    expect(r.out).toContain('  2  usage error');
    for (const name of ['render', 'ipam', 'status', 'local-cluster', 'demo']) expect(r.out).toMatch(new RegExp(`\\n  ${name}\\b`));
  });

  it('prints the version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: `${packageJson.version}\n`, err: '' });
  });
});

describe('exit codes', () => {
  it.each([
    [[], 2, /^Usage: kvgw \[options\] \[command\]/],
    [['ipam'], 2, /^Usage: kvgw ipam \[options\] \[command\]/],
    [['nope'], 2, /^error: unknown command 'nope'/],
    [['status', '--nope'], 2, /^error: unknown option '--nope'\n\(add --help for usage\)\n$/],
    [['ipam', 'allocate', '--pool'], 2, /^error: option '--pool <value>' argument missing/],
  ])('%j exits %i', async (args, code, message) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('reports an unexpected error as exit 1, with the stack only when KVGW_DEBUG is set', async () => {
    const deps: CliDeps = {
      connect: async () => {
        throw new TypeError('boom');
      },
    };
    const plain = await cli(['status'], { deps });
    expect(plain).toEqual({ code: 1, out: '', err: 'kvgw: unexpected error: boom (set KVGW_DEBUG=1 for the stack trace)\n' });
    const debug = await cli(['status'], { deps, env: { KVGW_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/^kvgw: unexpected error: TypeError: boom\n\s+at /);
  });

  it('colours error lines only on a terminal', async () => {
    // eslint-disable-next-line no-control-regex -- the ANSI colour codes are what is tested
    expect((await cli(['ipam', 'allocate', '--pool', '10.0.0.9-10.0.0.1'], { tty: true })).err).toMatch(/^\u001b\[1m\u001b\[31mkvgw:\u001b\[39m\u001b\[22m --pool entry/);
    expect((await cli(['ipam', 'allocate', '--pool', '10.0.0.9-10.0.0.1'], { tty: true, env: { NO_COLOR: '1' } })).err).toMatch(/^kvgw: --pool entry/);
    expect((await cli(['nope'], { tty: true })).err).toContain('\u001b[31merror: unknown command');
  });
});
