// Certificates for the local control plane: a CA for the serving certificate, a CA for client certificates (one
// per user/groups identity, the way kube-apiserver's x509 authenticator reads CN = user and O = groups), and the
// service-account signing key pair.
//
// Node's crypto makes keys but cannot issue X.509 certificates, so issuing goes through the openssl CLI (OpenSSL 3,
// `req -x509 -CA`), one short process per certificate, with a private config file so the host's openssl.cnf
// defaults (e.g. CA:TRUE on every `req -x509`) never leak into our certificates.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CertificateError, InvalidIdentityError } from './errors.js';

const execFileAsync = promisify(execFile);

/** Longest CN and O values X.509 allows (ub-common-name, ub-organization-name); openssl refuses longer ones. */
export const MAX_NAME_LENGTH = 64;

/** Certificates live this long: longer than any test run or local session needs, short enough not to matter. */
const VALIDITY_DAYS = 30;

/** A PEM certificate with its private key. */
export interface KeyAndCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** What a certificate is for; decides its basicConstraints, keyUsage and extendedKeyUsage. */
export type CertificateUsage = 'server' | 'client';

/** One certificate to issue. */
export interface CertificateRequest {
  readonly commonName: string;
  /** O= entries: the user's groups for client certificates. */
  readonly organizations?: readonly string[];
  readonly usage: CertificateUsage;
  /** subjectAltName DNS entries (server certificates). */
  readonly dnsNames?: readonly string[];
  /** subjectAltName IP entries (server certificates). */
  readonly ipAddresses?: readonly string[];
}

/**
 * Checks a user name and groups for a client certificate, throwing {@link InvalidIdentityError} naming the bad one.
 * Kubernetes itself allows longer names, but a certificate's CN/O cannot hold more than 64 characters.
 */
export function validateIdentity(user: string, groups: readonly string[]): void {
  const check = (field: 'user' | 'group', value: string): void => {
    if (value.length === 0) throw new InvalidIdentityError(field, value, 'must not be empty');
    if (value.length > MAX_NAME_LENGTH) {
      throw new InvalidIdentityError(field, value, `is ${value.length} characters; a certificate holds at most ${MAX_NAME_LENGTH}`);
    }
    // eslint-disable-next-line no-control-regex -- control characters are what it rejects
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidIdentityError(field, value, 'must not contain control characters');
  };
  check('user', user);
  for (const group of groups) check('group', group);
}

/** Escapes one value of an openssl `-subj` string: `/`, `+`, `=` and `\` are syntax there. */
function escapeSubjectValue(value: string): string {
  return value.replace(/[\\/+=]/g, (c) => `\\${c}`);
}

/** The openssl `-subj` argument for a CN and O list, e.g. `/O=system:masters/CN=admin`. */
export function opensslSubject(commonName: string, organizations: readonly string[] = []): string {
  return organizations.map((o) => `/O=${escapeSubjectValue(o)}`).join('') + `/CN=${escapeSubjectValue(commonName)}`;
}

function extensionSection(request: CertificateRequest | 'ca'): string {
  if (request === 'ca') {
    return ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature'].join('\n');
  }
  const lines = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature'];
  lines.push(`extendedKeyUsage = ${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`);
  const sans = [...(request.dnsNames ?? []).map((d) => `DNS:${d}`), ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  if (sans.length > 0) lines.push(`subjectAltName = ${sans.join(',')}`);
  return lines.join('\n');
}

async function runOpenssl(subject: string, workDir: string, extensions: string, extraArgs: readonly string[]): Promise<KeyAndCertificate> {
  const config = path.join(workDir, 'openssl.cnf');
  const keyFile = path.join(workDir, 'tls.key');
  const certFile = path.join(workDir, 'tls.crt');
  await writeFile(config, `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n[ext]\n${extensions}\n`);
  try {
    await execFileAsync('openssl', [
      'req', '-config', config, '-x509', '-new', '-utf8',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', keyFile, '-out', certFile,
      '-days', String(VALIDITY_DAYS), '-subj', subject, '-extensions', 'ext',
      ...extraArgs,
    ]);
    return { certificatePem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    const reason = err.code === 'ENOENT' ? 'the openssl command is not installed' : (err.stderr?.trim() || err.message);
    throw new CertificateError(subject, `openssl failed: ${reason}`);
  }
}

/** A certificate authority on disk that issues server and client certificates with openssl. */
export class CertificateAuthority {
  private constructor(
    /** Directory holding ca.crt and ca.key. */
    readonly dir: string,
    readonly certificatePem: string,
  ) {}

  /** Path of the CA certificate (what `--client-ca-file` or a kubeconfig's CA points at). */
  get certFile(): string {
    return path.join(this.dir, 'ca.crt');
  }

  private get keyFile(): string {
    return path.join(this.dir, 'ca.key');
  }

  /** Makes a self-signed CA (EC P-256) in `dir`, which must exist and be private to the caller. */
  static async create(dir: string, commonName: string): Promise<CertificateAuthority> {
    const work = await mkdtemp(path.join(dir, 'issue-'));
    try {
      const ca = await runOpenssl(opensslSubject(commonName, ['kube-vip-gw envtest']), work, extensionSection('ca'), []);
      await writeFile(path.join(dir, 'ca.crt'), ca.certificatePem);
      await writeFile(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
      return new CertificateAuthority(dir, ca.certificatePem);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Issues a certificate signed by this CA; for client certificates the CN and O values are validated first. */
  async issue(request: CertificateRequest): Promise<KeyAndCertificate> {
    if (request.usage === 'client') validateIdentity(request.commonName, request.organizations ?? []);
    const work = await mkdtemp(path.join(this.dir, 'issue-'));
    try {
      const subject = opensslSubject(request.commonName, request.organizations);
      return await runOpenssl(subject, work, extensionSection(request), ['-CA', this.certFile, '-CAkey', this.keyFile]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/** An RSA key pair for signing service-account tokens (`--service-account-signing-key-file` / `-key-file`). */
export function generateServiceAccountKeyPair(): { readonly privateKeyPem: string; readonly publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
