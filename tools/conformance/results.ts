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
  TCPRouteInvalidNonTCPListener: { assertion: 'the Gateway has an HTTP listener and no readiness opt-out, so NamespacesMustBeReady requires it Accepted=True and Programmed=True' },
  UDPRouteNotAllowedByListeners: { assertion: 'the Gateway has a TLS Passthrough listener and no readiness opt-out, so NamespacesMustBeReady requires it Accepted=True and Programmed=True' },
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

export type Outcome = 'passed' | 'failed' | 'not-applicable' | 'skipped' | 'no-result';

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
  return [...new Set(out)];
}

/** One verdict per conformance test (direct subtest of TestConformance) seen in `events`, in the order they started. */
export function verdictsFrom(events: readonly TestEvent[], notApplicable: Readonly<Record<string, NotApplicable>> = NOT_APPLICABLE_L4): RunResult {
  const prefix = `${ROOT_TEST}/`;
  const order: string[] = [];
  const results = new Map<string, { result: 'pass' | 'fail' | 'skip'; elapsed: number | undefined }>();
  const output = new Map<string, string[]>();
  const failedSubtests = new Map<string, string[]>();
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
    skipped: count('skipped'),
    ...(error !== undefined ? { harnessError: error } : {}),
    tests: run.verdicts.map((v) => ({ name: v.name, outcome: v.outcome })),
  };
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  passed: 'passed',
  failed: '**failed**',
  'not-applicable': 'not applicable (L4 only)',
  skipped: 'skipped',
  'no-result': '**no result**',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** A Markdown table: test, outcome, seconds, and why (failure) or what it needs (not applicable). */
export function renderTable(verdicts: readonly TestVerdict[]): string {
  const rows = [...verdicts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => {
      const detail =
        v.outcome === 'not-applicable'
          ? `needs HTTP/HTTPS/TLS: ${v.needs ?? ''}${v.why ? ` (seen: ${v.why})` : ''}`
          : v.outcome === 'passed'
            ? ''
            : v.why ?? '';
      const secs = v.seconds === undefined ? '' : v.seconds.toFixed(1);
      return `| ${v.name} | ${OUTCOME_TEXT[v.outcome]} | ${secs} | ${cell(detail.length > 400 ? `${detail.slice(0, 400)}…` : detail)} |`;
    });
  return ['| Test | Result | s | Why / what it needs |', '|---|---|---:|---|', ...rows].join('\n');
}

/** Several phases' summaries as one (counts summed, harness errors joined). */
export function combine(summaries: readonly ConformanceSummary[]): ConformanceSummary {
  const errors = summaries.flatMap((s) => (s.harnessError !== undefined ? [`${s.phase}: ${s.harnessError}`] : []));
  const sum = (k: 'passed' | 'failed' | 'notApplicable' | 'skipped') => summaries.reduce((n, s) => n + s[k], 0);
  return {
    kind: 'gateway-api-conformance',
    phase: summaries.map((s) => s.phase).join(','),
    passed: sum('passed'),
    failed: sum('failed'),
    notApplicable: sum('notApplicable'),
    skipped: sum('skipped'),
    ...(errors.length > 0 ? { harnessError: errors.join('; ') } : {}),
    tests: summaries.flatMap((s) => s.tests),
  };
}
