// Turns the `go test -json` stream of the conformance run into one verdict per conformance test, a Markdown table for
// docs/conformance.md and the small JSON summary tools/ci/summarize.mjs counts. Pure: no I/O.
//
// Why -json: a Go test killed by -timeout or a signal never prints its PASS/FAIL lines, and its subtests' output is
// interleaved with the parallel ones; test2json events carry the test name on every line and an explicit action.

/** One test2json event (cmd/test2json). */
export interface TestEvent {
  readonly Time?: string;
  readonly Action: 'start' | 'run' | 'pause' | 'cont' | 'pass' | 'bench' | 'fail' | 'output' | 'skip';
  readonly Package?: string;
  readonly Test?: string;
  readonly Elapsed?: number;
  readonly Output?: string;
}

/** Why a test that needs HTTP, HTTPS or TLS listeners cannot pass on an L4-only implementation. */
export interface NotApplicable {
  /** The assertion of the test that needs an L7 listener to be Accepted. */
  readonly assertion: string;
}

/**
 * Tests of the GATEWAY-TCP/GATEWAY-UDP profiles (and the opt-in Gateway tests) whose assertions need a listener this
 * implementation does not serve: each names the assertion, from the test source at conformance/tests/ (v1.6.1).
 */
export const NOT_APPLICABLE_L4: Readonly<Record<string, NotApplicable>> = {
  GatewayObservedGenerationBump: { assertion: 'the Gateway gateway-observed-generation-bump has HTTP listeners and must pass NamespacesMustBeReady (Accepted=True, Programmed=True) before and after a listener is added' },
  GatewayListenerUnsupportedProtocol: { assertion: 'subtest 2 expects the HTTP listener of gateway-supported-and-unsupported-protocols Accepted=True with supportedKinds [HTTPRoute]' },
  GatewayInvalidRouteKind: { assertion: 'subtest 2 expects supportedKinds [HTTPRoute] on the HTTP listener of gateway-supported-and-invalid-route-kind' },
  GatewayInvalidTLSConfiguration: { assertion: 'expects an HTTPS listener with a bad certificateRef to report ResolvedRefs=False/InvalidCertificateRef (an HTTPS listener is UnsupportedProtocol here)' },
  GatewayModifyListeners: { assertion: 'adds and removes HTTP/HTTPS listeners and expects them Accepted, Programmed and counting attached HTTPRoutes' },
  GatewaySecretInvalidReferenceGrant: { assertion: 'expects the HTTPS listener ResolvedRefs=False/RefNotPermitted for a Secret in another namespace' },
  GatewaySecretMissingReferenceGrant: { assertion: 'expects the HTTPS listener ResolvedRefs=False/RefNotPermitted for a Secret in another namespace' },
  GatewaySecretReferenceGrantAllInNamespace: { assertion: 'expects the HTTPS listener Programmed=True with a certificateRef allowed by a ReferenceGrant' },
  GatewaySecretReferenceGrantSpecific: { assertion: 'expects the HTTPS listener Programmed=True with a certificateRef allowed by a ReferenceGrant' },
  GatewayStaticAddresses: { assertion: 'expects listener "http" with supportedKinds [HTTPRoute] once the usable address is programmed' },
  GatewayInfrastructure: { assertion: 'the Gateway gateway-with-infrastructure-metadata has only an HTTP listener and no readiness opt-out, so NamespacesMustBeReady requires it Accepted=True and Programmed=True' },
  GatewayOptionalAddressValue: { assertion: 'the Gateway gateway-without-address-value has only an HTTP listener and no readiness opt-out, so NamespacesMustBeReady requires it Accepted=True and Programmed=True' },
  TCPRouteInvalidNonTCPListener: { assertion: 'the Gateway tcp-mixed-protocol-gateway has an HTTP listener and no readiness opt-out, so NamespacesMustBeReady requires it Accepted=True and Programmed=True' },
  // UDPRouteNotAllowedByListeners is not here: without the TLSRoute feature it returns at once and passes (vacuously).
};

/** Conformance tests that send traffic to the Gateway's address; the rest assert on status only. */
export const TRAFFIC_TESTS: readonly string[] = [
  'TCPRouteMultipleRoutesAttachment',
  'TCPRouteParentRefAttachAll',
  'TCPRouteParentRefPortAndSectionName',
  'TCPRouteReferenceGrant',
  'TCPRouteWeightedRouting',
  'UDPRoute',
  'UDPRouteMultipleRoutesAttachment',
  'UDPRouteParentRefAttachAllListeners',
  'UDPRouteParentRefPortAndSectionName',
  'UDPRouteReferenceGrant',
  'UDPRouteWeightedRouting',
];

/** The Go test that runs the suite; each conformance test is its subtest `TestConformance/<ShortName>`. */
export const ROOT_TEST = 'TestConformance';

/**
 * The weighted-routing tests: kube-proxy splits a Service's traffic evenly over its endpoints, so a 70/30 split comes
 * out near 50/50 (the controller reports WeightsApproximated). Such a test is `weights-approximated`, not failed, only
 * when the sole complaint is the tolerance: a weight-0 backend that receives anything, a missing backend or an
 * unexpected Pod is a failure.
 */
export const WEIGHTED_TESTS: readonly string[] = ['TCPRouteWeightedRouting', 'UDPRouteWeightedRouting'];

export type Outcome = 'passed' | 'failed' | 'not-applicable' | 'weights-approximated' | 'skipped' | 'no-result';

/** The verdict on one conformance test. */
export interface TestVerdict {
  readonly name: string;
  readonly outcome: Outcome;
  /** Go's own result: pass, fail, skip, or none when the test never ended (killed, timed out). */
  readonly goResult: 'pass' | 'fail' | 'skip' | 'none';
  readonly seconds: number | undefined;
  /** For failed tests: the first assertion messages of its output (and its subtests'). */
  readonly why: string | undefined;
  /** For not-applicable tests: the assertion that needs an L7 listener. */
  readonly needs: string | undefined;
  /** Subtests that failed, by name (`Gateway_listener_should...`). */
  readonly failedSubtests: readonly string[];
  /** How many direct subtests passed (a not-applicable test may pass the part that needs no L7 listener). */
  readonly passedSubtests: number;
  /** Weighted tests: the split of the last attempt, e.g. `tcp-backend-v1 0.502 (want 0.7)`. */
  readonly measuredSplit: string | undefined;
}

/** The whole run. */
export interface RunResult {
  readonly verdicts: readonly TestVerdict[];
  /** TestConformance itself: pass, fail, or none when the process died first. */
  readonly rootResult: 'pass' | 'fail' | 'skip' | 'none';
  /** Output of TestConformance outside any conformance test (Setup, the report), for a failing Setup. */
  readonly rootOutput: string;
}

/** Parses newline-separated test2json events; lines that are not JSON (build output) are ignored. */
export function parseTestEvents(text: string): TestEvent[] {
  const events: TestEvent[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const event = JSON.parse(trimmed) as TestEvent;
      if (typeof event.Action === 'string') events.push(event);
    } catch {
      // A partial last line of a killed run.
    }
  }
  return events;
}

// Lines of testify/require failures worth quoting: the assertion message, not the trace.
const NOISE = /^\s*(Error Trace:|Test:|--- FAIL|=== (RUN|PAUSE|CONT|NAME)|---\s*$)/;
function reasonLines(output: string[]): string[] {
  const out: string[] = [];
  for (const raw of output) {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || NOISE.test(line)) continue;
    if (/Error:|Messages:|error waiting|timed out|context deadline exceeded|panic:/i.test(line)) out.push(line.trim().replace(/^\S+\.go:\d+:\s*/, ''));
  }
  // The last network error a traffic test logged says more than testify's "Condition never satisfied".
  const network = output.filter((l) => /could not connect|failed to (establish|read)|connection refused|i\/o timeout/.test(l)).pop();
  if (network !== undefined) out.push(`last network error: ${network.trim().replace(/^\S+\.go:\d+:\s*\S+Z:\s*/, '')}`);
  return [...new Set(out)];
}

const SPLIT = /backend "([^"]+)" weighted traffic of ([\d.]+) not within tolerance ([\d.]+)/g;
const ATTEMPT = /distribution attempt (\d+)\/\d+ failed: (.*)/;

/** The per-backend split of the last failed attempt of a weighted test (its messages span the next line). */
function lastSplit(output: string[]): string | undefined {
  const text = output.join('');
  let last: string | undefined;
  for (const m of text.matchAll(/distribution attempt \d+\/\d+ failed: ([\s\S]*?)(?=\n\s+\S+\.go:\d+:|\n--- |$)/g)) last = m[1];
  if (last === undefined) return undefined;
  const parts = [...last.matchAll(SPLIT)].map((m) => `${m[1]} ${m[2]} (want ${m[3]})`);
  return parts.length > 0 ? parts.join(', ') : last.trim();
}

/**
 * True when a weighted test's last attempt only missed the tolerance and no attempt saw weight-0 traffic, a lost
 * backend or an unexpected Pod. An earlier attempt that lost a request (UDP while the path warms up) does not count.
 */
function onlyToleranceMisses(output: string[]): boolean {
  const text = output.join('');
  if (!ATTEMPT.test(text)) return false;
  if (/expected \d+ backends to receive traffic|unexpected pod|none was received/.test(text)) return false;
  const split = lastSplit(output);
  return split !== undefined && /\(want [\d.]+\)/.test(split) && !/error while sending requests/.test(split);
}

/** One verdict per conformance test (direct subtest of TestConformance) seen in `events`, in the order they started. */
export function verdictsFrom(events: readonly TestEvent[], notApplicable: Readonly<Record<string, NotApplicable>> = NOT_APPLICABLE_L4): RunResult {
  const prefix = `${ROOT_TEST}/`;
  const order: string[] = [];
  const results = new Map<string, { result: 'pass' | 'fail' | 'skip'; elapsed: number | undefined }>();
  const output = new Map<string, string[]>();
  const failedSubtests = new Map<string, string[]>();
  const passedSubtests = new Map<string, number>();
  let rootResult: RunResult['rootResult'] = 'none';
  const rootOutput: string[] = [];
  for (const e of events) {
    if (e.Test === undefined) continue;
    if (e.Test === ROOT_TEST) {
      if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') rootResult = e.Action;
      if (e.Action === 'output' && e.Output !== undefined) rootOutput.push(e.Output);
      continue;
    }
    if (!e.Test.startsWith(prefix)) continue;
    const rest = e.Test.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash === -1 ? rest : rest.slice(0, slash);
    if (!output.has(name)) {
      order.push(name);
      output.set(name, []);
      failedSubtests.set(name, []);
    }
    if (e.Action === 'output' && e.Output !== undefined) output.get(name)?.push(e.Output);
    if (slash === -1 && (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip')) results.set(name, { result: e.Action, elapsed: e.Elapsed });
    if (slash !== -1 && e.Action === 'fail') failedSubtests.get(name)?.push(rest.slice(slash + 1));
    if (slash !== -1 && e.Action === 'pass' && !rest.slice(slash + 1).includes('/')) passedSubtests.set(name, (passedSubtests.get(name) ?? 0) + 1);
  }
  const verdicts = order.map((name): TestVerdict => {
    const r = results.get(name);
    const goResult = r?.result ?? 'none';
    const na = notApplicable[name];
    const reasons = reasonLines(output.get(name) ?? []);
    let outcome: Outcome;
    if (goResult === 'pass') outcome = 'passed';
    else if (goResult === 'skip') outcome = 'skipped';
    else if (na !== undefined && goResult === 'fail') outcome = 'not-applicable';
    else if (WEIGHTED_TESTS.includes(name) && goResult === 'fail' && onlyToleranceMisses(output.get(name) ?? [])) outcome = 'weights-approximated';
    else if (goResult === 'fail') outcome = 'failed';
    else outcome = 'no-result';
    return {
      name,
      outcome,
      goResult,
      seconds: r?.elapsed,
      why: goResult === 'pass' ? undefined : reasons.slice(0, 3).join(' | ') || (goResult === 'none' ? 'the test never ended (killed or timed out)' : undefined),
      needs: na?.assertion,
      failedSubtests: failedSubtests.get(name) ?? [],
      passedSubtests: passedSubtests.get(name) ?? 0,
      measuredSplit: WEIGHTED_TESTS.includes(name) ? lastSplit(output.get(name) ?? []) : undefined,
    };
  });
  return { verdicts, rootResult, rootOutput: rootOutput.join('') };
}

/** What CI counts: a failed or unfinished test is a failure; a not-applicable one is not (it is counted apart). */
export interface ConformanceSummary {
  readonly kind: 'gateway-api-conformance';
  readonly phase: string;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
  /** Weighted tests whose only miss is the tolerance (kube-proxy's even split): counted apart, like notApplicable. */
  readonly weightsApproximated: number;
  readonly skipped: number;
  /** Set when the harness itself failed (cluster, build, Setup, a Go test that did not end): counted as one failure. */
  readonly harnessError?: string;
  readonly tests: readonly { readonly name: string; readonly outcome: Outcome }[];
}

export function summarize(phase: string, run: RunResult, harnessError?: string): ConformanceSummary {
  const count = (o: Outcome) => run.verdicts.filter((v) => v.outcome === o).length;
  let error = harnessError;
  // TestConformance fails whenever any conformance test fails; it is a harness problem only when no test explains it.
  if (error === undefined && run.rootResult === 'none') error = 'TestConformance never ended (killed or timed out)';
  if (error === undefined && run.rootResult === 'fail' && run.verdicts.length === 0) {
    error = `TestConformance failed before any conformance test ran: ${reasonLines(run.rootOutput.split('\n')).slice(0, 3).join(' | ') || 'see the log'}`;
  }
  return {
    kind: 'gateway-api-conformance',
    phase,
    passed: count('passed'),
    failed: count('failed') + count('no-result'),
    notApplicable: count('not-applicable'),
    weightsApproximated: count('weights-approximated'),
    skipped: count('skipped'),
    ...(error !== undefined ? { harnessError: error } : {}),
    tests: run.verdicts.map((v) => ({ name: v.name, outcome: v.outcome })),
  };
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  passed: 'passed',
  failed: '**failed**',
  'weights-approximated': 'weights approximated',
  'not-applicable': 'not applicable (L4 only)',
  skipped: 'skipped (not applicable, L4 only)',
  'no-result': '**no result**',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** A Markdown table: test, outcome, seconds, and why (failure) or what it needs (not applicable). */
export function renderTable(verdicts: readonly TestVerdict[]): string {
  // Tests the suite skipped because the implementation does not claim their features (HTTPRoute, TLSRoute, GRPCRoute,
  // Mesh, ...) are counted on one line; a not-applicable test skipped by -skip-tests keeps its row.
  const unclaimed = verdicts.filter((v) => v.outcome === 'skipped' && NOT_APPLICABLE_L4[v.name] === undefined);
  const rows = [...verdicts]
    .filter((v) => !unclaimed.includes(v))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => {
      const detail =
        v.outcome === 'not-applicable' || v.outcome === 'skipped'
          ? `needs HTTP/HTTPS/TLS: ${v.needs ?? ''}${v.passedSubtests > 0 ? ` (${v.passedSubtests} of ${v.passedSubtests + v.failedSubtests.filter((f) => !f.includes('/')).length} subtests passed)` : ''}${v.why ? ` (seen: ${v.why})` : ''}`
          : v.outcome === 'weights-approximated'
            ? `measured split ${v.measuredSplit ?? '?'}; the weight-0 backend received nothing`
            : v.outcome === 'passed'
              ? ''
              : v.why ?? '';
      const secs = v.seconds === undefined ? '' : v.seconds.toFixed(1);
      return `| ${v.name} | ${OUTCOME_TEXT[v.outcome]} | ${secs} | ${cell(detail.length > 400 ? `${detail.slice(0, 400)}…` : detail)} |`;
    });
  const footer = unclaimed.length > 0 ? [``, `${unclaimed.length} more tests were skipped by the suite: they need features this implementation does not claim.`] : [];
  return ['| Test | Result | s | Why / what it needs |', '|---|---|---:|---|', ...rows, ...footer].join('\n');
}

/** Several phases' summaries as one (counts summed, harness errors joined). */
export function combine(summaries: readonly ConformanceSummary[]): ConformanceSummary {
  const errors = summaries.flatMap((s) => (s.harnessError !== undefined ? [`${s.phase}: ${s.harnessError}`] : []));
  const sum = (k: 'passed' | 'failed' | 'notApplicable' | 'weightsApproximated' | 'skipped') => summaries.reduce((n, s) => n + s[k], 0);
  return {
    kind: 'gateway-api-conformance',
    phase: summaries.map((s) => s.phase).join(','),
    passed: sum('passed'),
    failed: sum('failed'),
    notApplicable: sum('notApplicable'),
    weightsApproximated: sum('weightsApproximated'),
    skipped: sum('skipped'),
    ...(errors.length > 0 ? { harnessError: errors.join('; ') } : {}),
    tests: summaries.flatMap((s) => s.tests),
  };
}
