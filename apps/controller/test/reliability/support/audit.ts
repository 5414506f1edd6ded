// Reading kube-apiserver's JSON audit log: every request the controller's identity made (reads and watches too when the
// policy records them), which replica made it (the certificate group env.ts adds), and, for Lease writes recorded at
// Request level, the holderIdentity written. Long-running requests (watch) are taken from their ResponseStarted
// stage, since a watch still open when the test reads the log has no ResponseComplete yet.
import { readFileSync } from 'node:fs';
import { CONTROLLER_IDENTITY } from '../../e2e/support/environment.js';
import { REPLICA_GROUP_PREFIX } from './env.js';

/** One request of the controller, as the API server audited it. */
export interface AuditedRequest {
  readonly auditID: string;
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly code: number | undefined;
  /** Replica name from the certificate's groups, if any. */
  readonly replica: string | undefined;
  /** When the API server received it and when it answered (ms since the epoch, microsecond precision lost). */
  readonly received: number;
  readonly answered: number;
  /** spec.holderIdentity of a Lease create/update (policy level Request for leases). */
  readonly leaseHolder: string | undefined;
  /** Non-resource requests (discovery: /api, /apis/...). */
  readonly nonResourcePath: string | undefined;
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

/** Parses the audit log into the controller's requests, in the order the API server answered them. */
export function readAudit(file: string): AuditedRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, AuditedRequest>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: RawEvent;
    try {
      e = JSON.parse(line) as RawEvent;
    } catch {
      continue; // a line being written right now
    }
    if (e.user?.username !== CONTROLLER_IDENTITY.user || !e.auditID) continue;
    if (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted' && e.stage !== 'Panic') continue;
    if (byId.has(e.auditID) && e.stage !== 'ResponseComplete') continue;
    const group = (e.user.groups ?? []).find((g) => g.startsWith(REPLICA_GROUP_PREFIX));
    byId.set(e.auditID, {
      auditID: e.auditID,
      verb: e.verb ?? '',
      apiGroup: e.objectRef?.apiGroup ?? '',
      resource: e.objectRef?.resource ?? '',
      subresource: e.objectRef?.subresource,
      namespace: e.objectRef?.namespace,
      name: e.objectRef?.name,
      code: e.responseStatus?.code,
      replica: group?.slice(REPLICA_GROUP_PREFIX.length),
      received: Date.parse(e.requestReceivedTimestamp ?? ''),
      answered: Date.parse(e.stageTimestamp ?? ''),
      leaseHolder: e.objectRef?.resource === 'leases' ? e.requestObject?.spec?.holderIdentity : undefined,
      nonResourcePath: e.objectRef ? undefined : e.requestURI,
    });
  }
  return [...byId.values()].sort((a, b) => a.answered - b.answered);
}

/** True for verbs that change state. */
export function isWrite(r: AuditedRequest): boolean {
  return ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(r.verb);
}
