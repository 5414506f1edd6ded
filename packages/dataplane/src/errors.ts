// Tagged errors of @kube-vip-gw/dataplane: each names what failed and carries what is needed to act on it.

/** This machine cannot run the data plane (not root, no `ip netns`, no nft); `reason` says which. */
export class DataPlaneUnavailableError extends Error {
  readonly _tag = 'DataPlaneUnavailableError';
  constructor(readonly reason: string) {
    super(`the data plane cannot run here: ${reason}`);
    this.name = 'DataPlaneUnavailableError';
  }
}

/** tools/dataplane/build.sh failed or a binary is missing; the message is its one-line reason. */
export class DataPlaneBinariesError extends Error {
  readonly _tag = 'DataPlaneBinariesError';
  constructor(message: string) {
    super(message);
    this.name = 'DataPlaneBinariesError';
  }
}

/** A command run to set up or inspect the namespaces failed. */
export class NetnsCommandError extends Error {
  readonly _tag = 'NetnsCommandError';
  constructor(
    readonly command: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`\`${command.join(' ')}\` failed (status ${status}): ${stderr.trim() || '(no output)'}`);
    this.name = 'NetnsCommandError';
  }
}

/** A data-plane process (kube-vip, kube-proxy, an agent) ended or never became ready; carries the end of its log. */
export class DataPlaneProcessError extends Error {
  readonly _tag = 'DataPlaneProcessError';
  constructor(
    readonly component: string,
    message: string,
    readonly logTail: string,
  ) {
    super(`${component}: ${message}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`);
    this.name = 'DataPlaneProcessError';
  }
}

export type DataPlaneError = DataPlaneUnavailableError | DataPlaneBinariesError | NetnsCommandError | DataPlaneProcessError;
