// RBAC is enforced for minted identities, so the controller can be run with only the rights deploy/ grants it.
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { InvalidIdentityError } from '@kube-vip-gw/controller-runtime/envtest';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFailure, createNamespace, kubeConfigFrom, uniqueName, useControlPlane } from './harness.js';
import { eventually } from '@kube-vip-gw/test-support';

const plane = useControlPlane({ gatewayApiCrds: 'standard' });
let admin: KubeConfig;

beforeAll(() => {
  admin = kubeConfigFrom(plane().kubeconfig);
});

/** Grants `verbs` on configmaps in `namespace` to a user or group through a Role and RoleBinding. */
async function grantConfigMaps(namespace: string, subject: { kind: 'User' | 'Group'; name: string }, verbs: string[]): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const name = uniqueName('cm');
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
    },
  });
}

describe('RBAC for minted users', () => {
  it('answers 403 naming the user to an identity without rights', async () => {
    const user = uniqueName('nobody');
    const kc = kubeConfigFrom(await plane().kubeconfigFor(user));
    const namespace = await createNamespace(admin, 'rbac');
    const failure = await apiFailure(() => kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace }));
    expect(failure.code).toBe(403);
    expect(failure.reason).toBe('Forbidden');
    expect(failure.message).toContain(`User "${user}" cannot list resource "configmaps"`);
    const gateways = await apiFailure(() =>
      kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' }),
    );
    expect(gateways.code).toBe(403);
  });

  it('allows what a RoleBinding grants, only in its namespace and only for its verbs', async () => {
    const user = uniqueName('reader');
    const core = kubeConfigFrom(await plane().kubeconfigFor(user)).makeApiClient(CoreV1Api);
    const granted = await createNamespace(admin, 'granted');
    const other = await createNamespace(admin, 'other');
    await admin.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: granted, body: { metadata: { name: 'seed' } } });
    await grantConfigMaps(granted, { kind: 'User', name: user }, ['get', 'list']);
    // RBAC changes reach the authorizer through an informer: retried briefly until the expected answer appears.
    const list = await eventually(() => core.listNamespacedConfigMap({ namespace: granted }), 10_000);
    expect(list.items.map((c) => c.metadata?.name)).toEqual(['seed']);
    expect((await apiFailure(() => core.listNamespacedConfigMap({ namespace: other }))).code).toBe(403);
    const write = await apiFailure(() => core.createNamespacedConfigMap({ namespace: granted, body: { metadata: { name: 'x' } } }));
    expect(write.code).toBe(403);
    expect(write.message).toContain('cannot create resource "configmaps"');
  });

  it('grants through the groups in the certificate', async () => {
    const group = uniqueName('team');
    const namespace = await createNamespace(admin, 'group');
    await grantConfigMaps(namespace, { kind: 'Group', name: group }, ['create', 'get']);
    const member = kubeConfigFrom(await plane().kubeconfigFor(uniqueName('member'), [group])).makeApiClient(CoreV1Api);
    const outsider = kubeConfigFrom(await plane().kubeconfigFor(uniqueName('outsider'), ['another-team'])).makeApiClient(CoreV1Api);
    const created = await eventually(() => member.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'by-group' } } }), 10_000);
    expect(created.metadata?.name).toBe('by-group');
    expect((await apiFailure(() => outsider.readNamespacedConfigMap({ namespace, name: 'by-group' }))).code).toBe(403);
  });

  it('treats system:masters in a minted certificate as cluster-admin', async () => {
    const kc = kubeConfigFrom(await plane().kubeconfigFor(uniqueName('root'), ['system:masters']));
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items).toEqual([]);
  });

  it.each([
    ['', [], 'user ""'],
    ['u'.repeat(65), [], 'characters; a certificate holds at most 64'],
    ['ok', ['bad\ngroup'], 'group "bad\\ngroup"'],
  ])('refuses to mint user %j groups %j', async (user, groups, message) => {
    const attempt = plane().kubeconfigFor(user, groups);
    await expect(attempt).rejects.toThrow(InvalidIdentityError);
    await expect(attempt).rejects.toThrow(message);
  });
});
