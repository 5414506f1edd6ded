// CPU time and memory of a process from Linux /proc (the controller, kube-apiserver, etcd), without sampling tools.
import { readFileSync } from 'node:fs';

/** CPU and memory of one process at one moment. */
export interface ProcSample {
  /** User + system CPU time so far, in seconds. */
  readonly cpuSeconds: number;
  /** Resident set size now (VmRSS), MiB. */
  readonly rssMiB: number;
  /** Peak resident set size (VmHWM), MiB. */
  readonly peakRssMiB: number;
}

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every Linux architecture Node runs on). */
const CLOCK_TICKS = 100;

/** Parses /proc/<pid>/stat: utime and stime (fields 14 and 15) in seconds; the command name may contain spaces. */
export function cpuSecondsFromStat(stat: string): number {
  const end = stat.lastIndexOf(')');
  const fields = stat.slice(end + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (end < 0 || !Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 120)}`);
  return (utime + stime) / CLOCK_TICKS;
}

/** A `Vm*:   1234 kB` field of /proc/<pid>/status in MiB (0 when absent). */
export function statusFieldMiB(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : 0;
}

/** Reads a process's sample; undefined when it has exited. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { cpuSeconds: cpuSecondsFromStat(stat), rssMiB: statusFieldMiB(status, 'VmRSS'), peakRssMiB: statusFieldMiB(status, 'VmHWM') };
  } catch {
    return undefined;
  }
}
