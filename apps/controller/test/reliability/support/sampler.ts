// Samples controller replicas' /metrics over time: whether each leads (leader_election_master_status) and how many
// writes it has sent (rest_client_requests_total for POST, PUT, PATCH, DELETE). A replica whose write count grows
// while neither it nor its previous sample said it leads wrote as a follower.
import type { ControllerProcess } from '../../e2e/support/controller-process.js';
import { LEASE } from './env.js';

/** One scrape of one replica. */
export interface Sample {
  /** Scrapes of one round happen together. */
  readonly round: number;
  readonly at: number;
  readonly replica: string;
  /** Process id: a restarted replica starts counting from zero. */
  readonly pid: number;
  readonly leading: boolean;
  readonly writes: number;
}

const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Scrapes the replicas `current()` returns every `periodMs` until stopped. */
export class MetricsSampler {
  readonly samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;
  #round = 0;

  constructor(
    private readonly current: () => ReadonlyMap<string, ControllerProcess>,
    private readonly periodMs = 200,
  ) {}

  /** Starts sampling. */
  start(): void {
    const tick = () => {
      this.#busy = this.sampleOnce().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.periodMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops sampling (after the round in progress). */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#busy;
  }

  /** Scrapes every running replica once (a replica that just died is skipped). */
  async sampleOnce(): Promise<void> {
    const round = ++this.#round;
    await Promise.all(
      [...this.current()].map(async ([replica, p]) => {
        if (!p.running) return;
        let text: string;
        try {
          text = await p.metrics();
        } catch {
          return;
        }
        const leading = new RegExp(`^leader_election_master_status\\{name="${LEASE.name}"\\} 1$`, 'm').test(text);
        let writes = 0;
        for (const m of text.matchAll(/^rest_client_requests_total\{([^}]*)\} (\S+)$/gm)) {
          const method = /method="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
          if (WRITE_METHODS.includes(method)) writes += Number(m[2]);
        }
        this.samples.push({ round, at: Date.now(), replica, pid: p.pid, leading, writes });
      }),
    );
  }

  /** Writes a replica sent while neither its sample nor the one before said it leads (per process). */
  followerWrites(): { replica: string; pid: number; at: number; writes: number }[] {
    const out: { replica: string; pid: number; at: number; writes: number }[] = [];
    const last = new Map<number, Sample>();
    for (const s of this.samples) {
      const prev = last.get(s.pid);
      const before = prev?.writes ?? 0;
      if (s.writes > before && !s.leading && !(prev?.leading ?? false)) out.push({ replica: s.replica, pid: s.pid, at: s.at, writes: s.writes - before });
      last.set(s.pid, s);
    }
    return out;
  }

  /** Rounds in which two replicas both said they lead (a paused replica is not sampled: it cannot answer). */
  bothLeading(): number[] {
    const leaders = new Map<number, number>();
    for (const s of this.samples) if (s.leading) leaders.set(s.round, (leaders.get(s.round) ?? 0) + 1);
    return [...leaders].filter(([, n]) => n > 1).map(([round]) => round);
  }
}
