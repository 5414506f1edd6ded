// Tagged errors of the local control plane. Each names what it was working on (binary, file, identity, URL) and,
// for process failures, where the logs are, so a failed e2e run says what to look at without a rerun.

abstract class EnvtestErrorBase extends Error {
  abstract readonly _tag: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Class names equal the tags, so stack traces and loggers print the tag.
    this.name = new.target.name;
  }
}

/** kube-apiserver/etcd could not be found or built (no Go, build failure, bad KUBEBUILDER_ASSETS). */
export class BinariesUnavailableError extends EnvtestErrorBase {
  readonly _tag = 'BinariesUnavailableError' as const;
  constructor(
    /** Why, in one line, e.g. `KUBEBUILDER_ASSETS=/x has no executable etcd`. */
    readonly reason: string,
    /** The last lines the build script printed, when it ran. */
    readonly buildOutput: string = '',
  ) {
    super(
      `control plane binaries unavailable: ${reason}` +
        (buildOutput ? `\n--- build output (last lines) ---\n${buildOutput}` : '') +
        `\nBuild them with tools/envtest/build.sh (needs Go >= 1.26 and the Go module proxy), ` +
        `or set KUBEBUILDER_ASSETS to a directory holding kube-apiserver and etcd.`,
    );
  }
}

/** The Gateway API CRD bundle could not be located (go mod download failed, missing channel directory). */
export class GatewayApiCrdsUnavailableError extends EnvtestErrorBase {
  readonly _tag = 'GatewayApiCrdsUnavailableError' as const;
  constructor(
    /** The module or directory that was looked for, e.g. `sigs.k8s.io/gateway-api@v1.6.1`. */
    readonly source: string,
    readonly reason: string,
  ) {
    super(`Gateway API CRDs from ${source}: ${reason}`);
  }
}

/** etcd or kube-apiserver did not become ready (exited, or timed out); the message carries the log path and tail. */
export class ControlPlaneStartError extends EnvtestErrorBase {
  readonly _tag = 'ControlPlaneStartError' as const;
  constructor(
    /** `etcd` or `kube-apiserver`. */
    readonly component: string,
    readonly reason: string,
    /** The component's log file (kept on disk after a failed start). */
    readonly logFile: string,
    logTail: string,
  ) {
    super(`${component} failed to start: ${reason}\nlog: ${logFile}` + (logTail ? `\n--- last log lines ---\n${logTail}` : ''));
  }
}

/** etcd or kube-apiserver ended on its own after it had started (crash, OOM kill, killed from outside). */
export class ControlPlaneCrashedError extends EnvtestErrorBase {
  readonly _tag = 'ControlPlaneCrashedError' as const;
  constructor(
    /** `etcd` or `kube-apiserver`. */
    readonly component: string,
    /** How it ended, e.g. `was killed by SIGKILL` or `exited with status 1`. */
    readonly how: string,
    /** The component's log file. */
    readonly logFile: string,
  ) {
    super(`${component} ${how} while running\nlog: ${logFile}`);
  }
}

/** openssl failed to make a key or certificate. */
export class CertificateError extends EnvtestErrorBase {
  readonly _tag = 'CertificateError' as const;
  constructor(
    /** The certificate subject being made, e.g. `/O=system:masters/CN=admin`. */
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`certificate ${JSON.stringify(subject)}: ${reason}`);
  }
}

/** A user name or group that cannot be put into a client certificate (empty, too long, control characters). */
export class InvalidIdentityError extends EnvtestErrorBase {
  readonly _tag = 'InvalidIdentityError' as const;
  constructor(
    /** `user` or `group`. */
    readonly field: 'user' | 'group',
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${field} ${JSON.stringify(value)}: ${reason}`);
  }
}

/** A manifest of the CRD bundle could not be applied, or a CRD never became Established/discoverable. */
export class CrdInstallError extends EnvtestErrorBase {
  readonly _tag = 'CrdInstallError' as const;
  constructor(
    /** The object, e.g. `CustomResourceDefinition gateways.gateway.networking.k8s.io` (or a file name). */
    readonly object: string,
    readonly reason: string,
  ) {
    super(`${object}: ${reason}`);
  }
}

/** An HTTP request to etcd or kube-apiserver made by the harness itself failed or answered an unexpected status. */
export class ControlPlaneRequestError extends EnvtestErrorBase {
  readonly _tag = 'ControlPlaneRequestError' as const;
  constructor(
    /** `METHOD url`. */
    readonly request: string,
    /** HTTP status (0 when no response arrived). */
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${request}: ${status ? `HTTP ${status}: ` : ''}${reason}`);
  }
}

/** A method was called on a control plane that has been stopped. */
export class ControlPlaneStoppedError extends EnvtestErrorBase {
  readonly _tag = 'ControlPlaneStoppedError' as const;
  constructor(readonly operation: string) {
    super(`${operation}: the local control plane has been stopped`);
  }
}

/** Every error the envtest entry throws. */
export type EnvtestError =
  | BinariesUnavailableError
  | GatewayApiCrdsUnavailableError
  | ControlPlaneStartError
  | ControlPlaneCrashedError
  | CertificateError
  | InvalidIdentityError
  | CrdInstallError
  | ControlPlaneRequestError
  | ControlPlaneStoppedError;
