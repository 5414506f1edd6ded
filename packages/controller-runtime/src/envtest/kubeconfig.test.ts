import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG_CONTEXT, renderKubeconfig } from './kubeconfig.js';

const spec = {
  server: 'https://127.0.0.1:6443',
  caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  user: 'system:serviceaccount:kube-system:kube-vip',
  certificatePem: '-----BEGIN CERTIFICATE-----\nUSER\n-----END CERTIFICATE-----\n',
  keyPem: '-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n',
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('renderKubeconfig', () => {
  it('is read by @kubernetes/client-node as one cluster, user and current context with embedded data', () => {
    const kc = new KubeConfig();
    kc.loadFromString(renderKubeconfig(spec));
    expect(kc.getCurrentContext()).toBe(KUBECONFIG_CONTEXT);
    expect(kc.getCurrentCluster()).toMatchObject({ name: KUBECONFIG_CONTEXT, server: spec.server, caData: b64(spec.caPem) });
    expect(kc.getCurrentUser()).toMatchObject({ name: spec.user, certData: b64(spec.certificatePem), keyData: b64(spec.keyPem) });
    expect(kc.getClusters()).toHaveLength(1);
    expect(kc.getUsers()).toHaveLength(1);
  });

  it('keeps user names with YAML-significant characters intact', () => {
    for (const user of ['a: b', '- item', '#comment', "it's \"quoted\"", 'true', '123']) {
      const kc = new KubeConfig();
      kc.loadFromString(renderKubeconfig({ ...spec, user }));
      expect(kc.getCurrentUser()?.name).toBe(user);
    }
  });
});
