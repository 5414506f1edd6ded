import { describe, expect, it } from 'vitest';
import { parseTestEvents, renderTable, summarize, verdictsFrom, type TestEvent } from './results.js';

const ev = (Action: TestEvent['Action'], Test?: string, extra: Partial<TestEvent> = {}): string =>
  JSON.stringify({ Action, Package: 'conformance', ...(Test ? { Test } : {}), ...extra });

function stream(...lines: string[]): string {
  return lines.join('\n');
}

describe('verdictsFrom', () => {
  it('one verdict per conformance test, subtests folded in, in start order', () => {
    const run = verdictsFrom(
      parseTestEvents(
        stream(
          'go: downloading something', // not JSON: ignored
          ev('run', 'TestConformance'),
          ev('run', 'TestConformance/TCPRouteInvalidBackendRefNonexistent'),
          ev('run', 'TestConformance/GatewayInvalidRouteKind'),
          ev('run', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_HTTPRoute'),
          ev('output', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_HTTPRoute', { Output: '        \tError Trace:\t/x/helpers.go:1059\n' }),
          ev('output', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_HTTPRoute', { Output: '        \tError:      \tReceived unexpected error:\n' }),
          ev('output', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_HTTPRoute', { Output: '        \tMessages:   \terror waiting for Gateway status to have listeners matching expectations\n' }),
          ev('fail', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_HTTPRoute', { Elapsed: 60 }),
          ev('run', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_no_supportedKinds'),
          ev('pass', 'TestConformance/GatewayInvalidRouteKind/Gateway_listener_should_have_no_supportedKinds', { Elapsed: 1 }),
          ev('fail', 'TestConformance/GatewayInvalidRouteKind', { Elapsed: 60.2 }),
          ev('pass', 'TestConformance/TCPRouteInvalidBackendRefNonexistent', { Elapsed: 1.5 }),
          ev('fail', 'TestConformance', { Elapsed: 70 }),
        ),
      ),
    );
    expect(run.rootResult).toBe('fail');
    expect(run.verdicts.map((v) => [v.name, v.outcome, v.seconds])).toEqual([
      ['TCPRouteInvalidBackendRefNonexistent', 'passed', 1.5],
      ['GatewayInvalidRouteKind', 'not-applicable', 60.2],
    ]);
    const invalidKind = run.verdicts[1];
    expect(invalidKind?.failedSubtests).toEqual(['Gateway_listener_should_have_HTTPRoute']);
    expect(invalidKind?.why).toContain('error waiting for Gateway status to have listeners matching expectations');
    expect(invalidKind?.why).not.toContain('Error Trace');
    expect(invalidKind?.needs).toMatch(/supportedKinds \[HTTPRoute\]/);
    expect(invalidKind?.passedSubtests).toBe(1);
    expect(renderTable(run.verdicts)).toContain('(1 of 2 subtests passed)');
  });

  it('a failing test not on the L4 list is failed; one that never ended has no result', () => {
    const run = verdictsFrom(
      parseTestEvents(
        stream(
          ev('run', 'TestConformance'),
          ev('run', 'TestConformance/TCPRouteReferenceGrant'),
          ev('output', 'TestConformance/TCPRouteReferenceGrant', { Output: 'helpers.go:10: Error: timed out waiting for route\n' }),
          ev('fail', 'TestConformance/TCPRouteReferenceGrant', { Elapsed: 3 }),
          ev('run', 'TestConformance/UDPRoute'),
          '{"Action":"output","Test":"TestConformance/UDPRoute","Outp', // the process was killed mid-line
        ),
      ),
    );
    expect(run.rootResult).toBe('none');
    expect(run.verdicts.map((v) => [v.name, v.outcome])).toEqual([
      ['TCPRouteReferenceGrant', 'failed'],
      ['UDPRoute', 'no-result'],
    ]);
    expect(run.verdicts[0]?.why).toBe('Error: timed out waiting for route');
    expect(run.verdicts[1]?.why).toMatch(/never ended/);
    const summary = summarize('status', run);
    expect(summary).toMatchObject({ passed: 0, failed: 2, notApplicable: 0, harnessError: 'TestConformance never ended (killed or timed out)' });
  });
});

describe('summarize', () => {
  it('counts not-applicable tests apart from failures', () => {
    const run = verdictsFrom(
      parseTestEvents(
        stream(
          ev('run', 'TestConformance/GatewayModifyListeners'),
          ev('fail', 'TestConformance/GatewayModifyListeners', { Elapsed: 60 }),
          ev('run', 'TestConformance/GatewayInvalidParametersRef'),
          ev('pass', 'TestConformance/GatewayInvalidParametersRef', { Elapsed: 2 }),
          ev('run', 'TestConformance/GatewayHTTPListenerIsolation'),
          ev('skip', 'TestConformance/GatewayHTTPListenerIsolation', { Elapsed: 0 }),
          ev('fail', 'TestConformance', { Elapsed: 70 }),
        ),
      ),
    );
    const summary = summarize('status', run);
    expect(summary).toMatchObject({ kind: 'gateway-api-conformance', phase: 'status', passed: 1, failed: 0, notApplicable: 1, skipped: 1 });
    expect(summary.harnessError).toBeUndefined();
  });

  it('a Setup failure (TestConformance fails with no test run) is a harness error', () => {
    const run = verdictsFrom(
      parseTestEvents(
        stream(
          ev('run', 'TestConformance'),
          ev('output', 'TestConformance', { Output: 'suite.go:389: Error: error waiting for namespaces to be ready\n' }),
          ev('fail', 'TestConformance', { Elapsed: 300 }),
        ),
      ),
    );
    expect(summarize('status', run).harnessError).toBe('TestConformance failed before any conformance test ran: Error: error waiting for namespaces to be ready');
  });
});

describe('renderTable', () => {
  it('sorts by name, escapes pipes and says what a not-applicable test needs', () => {
    const run = verdictsFrom(
      parseTestEvents(
        stream(
          ev('run', 'TestConformance/TCPRouteInvalidNonTCPListener'),
          ev('fail', 'TestConformance/TCPRouteInvalidNonTCPListener', { Elapsed: 300 }),
          ev('run', 'TestConformance/GatewayClassObservedGenerationBump'),
          ev('output', 'TestConformance/GatewayClassObservedGenerationBump', { Output: 'Error: a | b\n' }),
          ev('fail', 'TestConformance/GatewayClassObservedGenerationBump', { Elapsed: 1 }),
        ),
      ),
    );
    const lines = renderTable(run.verdicts).split('\n');
    expect(lines[0]).toBe('| Test | Result | s | Why / what it needs |');
    expect(lines[2]).toBe('| GatewayClassObservedGenerationBump | **failed** | 1.0 | Error: a \\| b |');
    expect(lines[3]).toMatch(/^\| TCPRouteInvalidNonTCPListener \| not applicable \(L4 only\) \| 300\.0 \| needs HTTP\/HTTPS\/TLS: the Gateway tcp-mixed-protocol-gateway has an HTTP listener/);
  });
});

describe('combine', () => {
  it('sums the phases and joins their harness errors', async () => {
    const { combine } = await import('./results.js');
    const base = { kind: 'gateway-api-conformance' as const, notApplicable: 0, weightsApproximated: 0, skipped: 0, tests: [] };
    const c = combine([
      { ...base, phase: 'status', passed: 7, failed: 1, notApplicable: 12, tests: [{ name: 'A', outcome: 'passed' }] },
      { ...base, phase: 'traffic', passed: 9, failed: 2, harnessError: 'boom', tests: [{ name: 'B', outcome: 'failed' }] },
    ]);
    expect(c).toEqual({
      kind: 'gateway-api-conformance',
      phase: 'status,traffic',
      passed: 16,
      failed: 3,
      notApplicable: 12,
      weightsApproximated: 0,
      skipped: 0,
      harnessError: 'traffic: boom',
      tests: [
        { name: 'A', outcome: 'passed' },
        { name: 'B', outcome: 'failed' },
      ],
    });
  });
});

describe('weighted tests', () => {
  const attempt = (n: number, v1: string, v2: string) =>
    `    tcproute-weighted-routing.go:72: 2026-12-01T23:21:59Z: TCP weighted distribution attempt ${n}/10 failed: backend "tcp-backend-v1" weighted traffic of ${v1} not within tolerance 0.7 (+/-0.050000)\n        backend "tcp-backend-v2" weighted traffic of ${v2} not within tolerance 0.3 (+/-0.050000)\n`;
  const weighted = (outputs: string[]) =>
    verdictsFrom(
      parseTestEvents(
        stream(
          ev('run', 'TestConformance/TCPRouteWeightedRouting'),
          ...outputs.map((Output) => ev('output', 'TestConformance/TCPRouteWeightedRouting/TCP_traffic', { Output })),
          ev('fail', 'TestConformance/TCPRouteWeightedRouting/TCP_traffic', { Elapsed: 24 }),
          ev('fail', 'TestConformance/TCPRouteWeightedRouting', { Elapsed: 26 }),
        ),
      ),
    ).verdicts[0];

  it('an even split that only misses the tolerance is weights-approximated, with the last measured split', () => {
    const v = weighted([attempt(1, '0.512', '0.488'), attempt(10, '0.502', '0.498'), '    tcproute-weighted-routing.go:77: TCP weighted distribution did not converge within tolerance\n']);
    expect(v?.outcome).toBe('weights-approximated');
    expect(v?.measuredSplit).toBe('tcp-backend-v1 0.502 (want 0.7), tcp-backend-v2 0.498 (want 0.3)');
    expect(renderTable([v!])).toContain('measured split tcp-backend-v1 0.502 (want 0.7)');
  });

  it('a request lost in an early attempt (UDP warming up) does not make it a failure', () => {
    const v = weighted([
      '    udproute-weighted-routing.go:82: 2026-12-01T23:24:53Z: UDP weighted distribution attempt 1/10 failed: error while sending requests: reading UDP echo response: i/o timeout\n',
      attempt(2, '0.498', '0.502'),
    ]);
    expect(v?.outcome).toBe('weights-approximated');
  });

  it('traffic to the weight-0 backend is a failure', () => {
    const v = weighted([
      '    tcproute-weighted-routing.go:72: 2026-12-01T23:21:59Z: TCP weighted distribution attempt 1/10 failed: expected 2 backends to receive traffic, but got 3\n',
      attempt(2, '0.4', '0.3'),
    ]);
    expect(v?.outcome).toBe('failed');
  });

  it('a weighted test that never got an answer is a failure', () => {
    expect(weighted(['    tcp.go:223: failed to establish TCP connection; retrying\n'])?.outcome).toBe('failed');
  });
});
