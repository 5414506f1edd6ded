import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, generateServiceAccountKeyPair, MAX_NAME_LENGTH, opensslSubject, validateIdentity } from './certs.js';
import { CertificateError, InvalidIdentityError } from './errors.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** CN and O values of a certificate, decoded by Node (O always as a list). */
function subjectOf(pem: string): { cn: string; o: string[] } {
  const subject = new X509Certificate(pem).toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const o = subject['O'];
  return { cn: String(subject['CN']), o: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

let dir: string;
let ca: CertificateAuthority;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kvgw-certs-test-'));
  ca = await CertificateAuthority.create(dir, 'test-ca');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('opensslSubject', () => {
  it.each([
    ['admin', [], '/CN=admin'],
    ['admin', ['system:masters'], '/O=system:masters/CN=admin'],
    ['u', ['a', 'b'], '/O=a/O=b/CN=u'],
    ['a/b', ['x+y'], '/O=x\\+y/CN=a\\/b'],
    ['k=v', ['back\\slash'], '/O=back\\\\slash/CN=k\\=v'],
  ] as const)('%s %j -> %s', (cn, groups, expected) => {
    expect(opensslSubject(cn, groups)).toBe(expected);
  });
});

describe('validateIdentity', () => {
  it.each([
    ['admin', []],
    ['system:serviceaccount:kube-system:kube-vip', ['system:serviceaccounts']],
    ['x'.repeat(MAX_NAME_LENGTH), ['y'.repeat(MAX_NAME_LENGTH)]],
    ['ünïcödé user', ['group with spaces']],
  ] as const)('accepts user %j groups %j', (user, groups) => {
    expect(() => validateIdentity(user, groups)).not.toThrow();
  });

  it.each([
    ['', [], 'user ""'],
    ['x'.repeat(MAX_NAME_LENGTH + 1), [], `is ${MAX_NAME_LENGTH + 1} characters`],
    ['ok', [''], 'group ""'],
    ['ok', ['g'.repeat(65)], 'group "ggg'],
    ['tab\there', [], 'control characters'],
    ['ok', ['new\nline'], 'group "new\\nline": must not contain control characters'],
  ] as const)('refuses user %j groups %j', (user, groups, message) => {
    const attempt = (): void => validateIdentity(user, groups);
    expect(attempt).toThrow(InvalidIdentityError);
    expect(attempt).toThrow(message);
  });
});

describe('CertificateAuthority', () => {
  it('is a CA certificate that signs itself', () => {
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
  });

  it('issues client certificates with CN = user and one O per group, signed by the CA', async () => {
    const issued = await ca.issue({ commonName: 'alice', organizations: ['system:masters', 'devs'], usage: 'client' });
    const cert = new X509Certificate(issued.certificatePem);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(subjectOf(issued.certificatePem)).toEqual({ cn: 'alice', o: ['system:masters', 'devs'] });
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    expect(cert.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
  });

  it('issues serving certificates for 127.0.0.1 and localhost', async () => {
    const issued = await ca.issue({ commonName: 'localhost', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.keyUsage).toEqual([SERVER_AUTH]);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
  });

  it('refuses an invalid identity before running openssl', async () => {
    await expect(ca.issue({ commonName: 'u'.repeat(65), usage: 'client' })).rejects.toThrow(InvalidIdentityError);
  });

  it('reports an openssl failure with the subject it was making', async () => {
    const brokenDir = await mkdtemp(path.join(os.tmpdir(), 'kvgw-certs-broken-'));
    try {
      const broken = await CertificateAuthority.create(brokenDir, 'broken');
      await writeFile(path.join(brokenDir, 'ca.key'), 'not a key');
      const attempt = broken.issue({ commonName: 'bob', organizations: ['g'], usage: 'client' });
      await expect(attempt).rejects.toThrow(CertificateError);
      await expect(attempt).rejects.toThrow('certificate "/O=g/CN=bob": openssl failed');
    } finally {
      await rm(brokenDir, { recursive: true, force: true });
    }
  });

  // Any name kube-apiserver could see must come back out of the certificate exactly as given (escaping is right).
  const name = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
    // eslint-disable-next-line no-control-regex -- names without control characters
    .filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
  fcTest.prop([name, fc.array(name, { maxLength: 3 })], { numRuns: 25 })(
    'round-trips user and groups through the certificate subject',
    async (user, groups) => {
      const issued = await ca.issue({ commonName: user, organizations: groups, usage: 'client' });
      expect(subjectOf(issued.certificatePem)).toEqual({ cn: user, o: groups });
    },
  );
});

describe('generateServiceAccountKeyPair', () => {
  it('makes an RSA pair whose public key verifies what the private key signs', () => {
    const { privateKeyPem, publicKeyPem } = generateServiceAccountKeyPair();
    const data = Buffer.from('token');
    const signature = sign('sha256', data, createPrivateKey(privateKeyPem));
    expect(createPublicKey(publicKeyPem).asymmetricKeyType).toBe('rsa');
    expect(verify('sha256', data, createPublicKey(publicKeyPem), signature)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), createPublicKey(publicKeyPem), signature)).toBe(false);
  });
});
