// Creating network namespaces that never outlive the run that made them. Removal is guaranteed three ways: destroy in
// the normal path; and, through the cleanup guard that also ends every ManagedProcess (controller-runtime/envtest), a
// synchronous `exit` hook and a detached reaper that holds a pipe from this process and, when the kernel closes it
// (SIGINT, SIGTERM, SIGKILL, a crash), kills what runs inside the namespaces and deletes them.
import { randomBytes } from 'node:crypto';
import { trackCleanupCommand, untrackCleanupCommand } from '@kube-vip-gw/controller-runtime/envtest';
import { NETNS_PREFIX, ipIn, removeNamespace, run } from './netns.js';

// A namespace outlives the processes inside it, so the process-group guard of ManagedProcess does not remove it: this
// command does, at exit or from the same reaper when Node is killed. Kills what still runs inside, then deletes it.
const REMOVE_NAMESPACE_SH = 'for i in 1 2 3; do p=$(ip netns pids "$1"); [ -n "$p" ] || break; kill -9 $p; sleep 0.1; done; ip netns del "$1"';
const cleanupId = (ns: string): string => `netns:${ns}`;

/** A fresh run id: `<pid>-<random>`, the middle of every namespace name of one data plane. */
export function newRunId(): string {
  return `${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Creates namespace `kvgwdp-<runId>-<role>` with `lo` up, guarded; returns its name. */
export function createNamespace(runId: string, role: string): string {
  const ns = `${NETNS_PREFIX}-${runId}-${role}`;
  // Registered synchronously before `ip netns add`, so a SIGKILL right after it still finds the name.
  trackCleanupCommand(cleanupId(ns), ['sh', '-c', REMOVE_NAMESPACE_SH, 'sh', ns]);
  run('ip', ['netns', 'add', ns]);
  ipIn(ns, ['link', 'set', 'lo', 'up']);
  return ns;
}

/** Deletes a namespace made by {@link createNamespace} (processes inside are killed first). */
export function destroyNamespace(ns: string): void {
  removeNamespace(ns);
  untrackCleanupCommand(cleanupId(ns));
}
