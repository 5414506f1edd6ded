// kube-apiserver's JSON audit log (--audit-log-format=json: one event per line) as the requests one identity made:
// which replica made it (an extra certificate group, when the suite adds one), and, for Lease writes recorded at
// Request level, the holderIdentity written. Long-running requests (watch) are taken from their ResponseStarted
// stage, since a watch still open when the test reads the log has no ResponseComplete yet; any other request counts
// once it has an answer (ResponseComplete, or Panic).
import { readFileSync } from 'node:fs';

/** One request, as the API server audited it. */
export interface AuditedRequest {
  readonly auditID: string;
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly code: number | undefined;
  /** Replica name from the certificate's groups (`replicaGroupPrefix` + name), if any. */
  readonly replica: string | undefined;
  /** When the API server received it and when it answered (ms since the epoch, microsecond precision lost). */
  readonly received: number;
  readonly answered: number;
  /** spec.holderIdentity of a Lease create/update (when the policy records leases at Request level). */
  readonly leaseHolder: string | undefined;
  /** The request body, when the policy records it (level Request or above). */
  readonly requestObject: unknown;
  /** Non-resource requests (discovery: /api, /apis/...). */
  readonly nonResourcePath: string | undefined;
}

export interface AuditLogOptions {
  /** The username whose requests are kept. */
  readonly user: string;
  /** Prefix of the certificate group that names a replica. */
  readonly replicaGroupPrefix?: string;
}

/** Verbs that change state. */
export const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** True for a request whose verb changes state. */
export function isWrite(r: AuditedRequest): boolean {
  return WRITE_VERBS.has(r.verb);
}

interface RawEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; groups?: string[] };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  requestObject?: { spec?: { holderIdentity?: string } };
}

/** Parses audit-log text into `user`'s requests, in the order the API server answered them. */
export function parseAuditLog(text: string, { user, replicaGroupPrefix }: AuditLogOptions): AuditedRequest[] {
  const byId = new Map<string, AuditedRequest>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: RawEvent;
    try {
      e = JSON.parse(line) as RawEvent;
    } catch {
      continue; // a line being written right now
    }
    if (e.user?.username !== user || !e.auditID) continue;
    if (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted' && e.stage !== 'Panic') continue;
    if (byId.has(e.auditID) && e.stage !== 'ResponseComplete') continue;
    const group = replicaGroupPrefix === undefined ? undefined : (e.user.groups ?? []).find((g) => g.startsWith(replicaGroupPrefix));
    byId.set(e.auditID, {
      auditID: e.auditID,
      verb: e.verb ?? '',
      apiGroup: e.objectRef?.apiGroup ?? '',
      resource: e.objectRef?.resource ?? '',
      subresource: e.objectRef?.subresource,
      namespace: e.objectRef?.namespace,
      name: e.objectRef?.name,
      code: e.responseStatus?.code,
      replica: group === undefined || replicaGroupPrefix === undefined ? undefined : group.slice(replicaGroupPrefix.length),
      received: Date.parse(e.requestReceivedTimestamp ?? ''),
      answered: Date.parse(e.stageTimestamp ?? ''),
      leaseHolder: e.objectRef?.resource === 'leases' ? e.requestObject?.spec?.holderIdentity : undefined,
      requestObject: e.requestObject,
      nonResourcePath: e.objectRef ? undefined : e.requestURI,
    });
  }
  return [...byId.values()].sort((a, b) => a.answered - b.answered);
}

/** Reads and parses an audit log file; a file not written yet has no requests. */
export function readAuditLog(file: string, options: AuditLogOptions): AuditedRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return parseAuditLog(text, options);
}
