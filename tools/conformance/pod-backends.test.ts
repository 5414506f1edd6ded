import { describe, expect, it } from 'vitest';
import { podCommand, type EnvVar, type PodLike } from './pod-backends.js';

const pod = (image: string, env: EnvVar[] = []): PodLike => ({
  metadata: { name: 'tcp-backend-v1-6b9f-xk2p', namespace: 'gateway-conformance-infra', uid: 'u1' },
  spec: { containers: [{ name: 'c', image, env }] },
  status: { phase: 'Running', podIP: '10.78.0.130' },
});

describe('podCommand', () => {
  it('echo-basic gets the container env, downward-API fields resolved from the Pod', () => {
    const cmd = podCommand(
      pod('registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.2', [
        { name: 'TCP_ECHO_SERVER', value: '1' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'SERVICE_NAME', value: 'tcp-backend-v1' },
      ]),
    );
    expect(cmd).toEqual({
      kind: 'echo-basic',
      env: { TCP_ECHO_SERVER: '1', POD_NAME: 'tcp-backend-v1-6b9f-xk2p', NAMESPACE: 'gateway-conformance-infra', POD_IP: '10.78.0.130', SERVICE_NAME: 'tcp-backend-v1' },
    });
  });

  it('the coredns image gets the DNS stand-in on port 53', () => {
    expect(podCommand(pod('registry.k8s.io/coredns/coredns:v1.12.2'))).toEqual({ kind: 'dns-responder', args: ['-listen', ':53'] });
  });

  it('any other image is named, not guessed', () => {
    expect(podCommand(pod('nginx:1.27'))).toEqual({ kind: 'none', reason: 'no stand-in for image "nginx:1.27"' });
  });
});
