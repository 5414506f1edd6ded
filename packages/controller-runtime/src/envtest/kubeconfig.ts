// Kubeconfig files for the local control plane: one cluster, one user (client certificate), one context, all
// embedded as *-data fields so the file works wherever it is copied (kubectl, @kubernetes/client-node, the CLI).
import { stringify } from 'yaml';

/** Name of the cluster and context in every kubeconfig the local control plane writes. */
export const KUBECONFIG_CONTEXT = 'kvgw-envtest';

/** What a kubeconfig for one user of the local control plane contains. */
export interface KubeconfigSpec {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** PEM of the CA that signed the serving certificate. */
  readonly caPem: string;
  /** User name (shown as the kubeconfig user entry; authentication uses the certificate's CN). */
  readonly user: string;
  readonly certificatePem: string;
  readonly keyPem: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Renders a self-contained kubeconfig (YAML) for one client-certificate user. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server: spec.server, 'certificate-authority-data': base64(spec.caPem) } }],
    users: [
      {
        name: spec.user,
        user: { 'client-certificate-data': base64(spec.certificatePem), 'client-key-data': base64(spec.keyPem) },
      },
    ],
    contexts: [{ name: KUBECONFIG_CONTEXT, context: { cluster: KUBECONFIG_CONTEXT, user: spec.user } }],
    'current-context': KUBECONFIG_CONTEXT,
  });
}
