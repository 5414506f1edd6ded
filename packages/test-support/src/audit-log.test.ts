import { describe, expect, it } from 'vitest';
import { isWrite, parseAuditLog } from './audit-log.js';

const USER = 'system:serviceaccount:ns:controller';
const event = (e: Record<string, unknown>): string =>
  JSON.stringify({ user: { username: USER, groups: ['system:authenticated'] }, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', ...e });

describe('parseAuditLog', () => {
  it("keeps the user's answered requests in answer order, once each, and watches from ResponseStarted", () => {
    const text = [
      event({ auditID: 'a', stage: 'ResponseStarted', verb: 'watch', objectRef: { resource: 'services' }, stageTimestamp: '2026-01-01T00:00:03.000000Z' }),
      event({ auditID: 'b', stage: 'ResponseComplete', verb: 'patch', objectRef: { resource: 'services', namespace: 'n', name: 's' }, responseStatus: { code: 200 }, stageTimestamp: '2026-01-01T00:00:02.000000Z' }),
      event({ auditID: 'a', stage: 'ResponseComplete', verb: 'watch', objectRef: { resource: 'services' }, stageTimestamp: '2026-01-01T00:00:05.000000Z' }),
      JSON.stringify({ auditID: 'c', stage: 'ResponseComplete', verb: 'delete', user: { username: 'someone-else' } }),
      '{"auditID": "d", "stage": "Respo', // a line being written right now
    ].join('\n');
    const requests = parseAuditLog(text, { user: USER });
    expect(requests.map((r) => [r.auditID, r.verb, r.answered])).toEqual([
      ['b', 'patch', Date.parse('2026-01-01T00:00:02Z')],
      ['a', 'watch', Date.parse('2026-01-01T00:00:05Z')],
    ]);
    expect(requests[0]).toMatchObject({ resource: 'services', namespace: 'n', name: 's', code: 200, replica: undefined });
    expect(requests.filter(isWrite).map((r) => r.auditID)).toEqual(['b']);
  });

  it('names the replica from its certificate group and the Lease holder written', () => {
    const text = event({
      auditID: 'l',
      stage: 'ResponseComplete',
      verb: 'update',
      user: { username: USER, groups: ['system:authenticated', 'replica:r2'] },
      objectRef: { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'lock' },
      requestObject: { spec: { holderIdentity: 'r2_abc' } },
      stageTimestamp: '2026-01-01T00:00:01.000000Z',
    });
    expect(parseAuditLog(text, { user: USER, replicaGroupPrefix: 'replica:' })[0]).toMatchObject({ replica: 'r2', leaseHolder: 'r2_abc', apiGroup: 'coordination.k8s.io' });
  });
});
