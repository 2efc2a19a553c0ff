// How `pithead up` stops its services: the miner first (it may still prove jobs, or give them back,
// to the coordinator), then the dashboard in front of everything, then the services, the
// coordinator last; each closes its ledger, which flushes it. A service that cannot close (a stuck
// connection) must not keep the others from closing, so each gets a time limit, after which the
// next one is closed anyway. The miner's limit is its own grace period plus a margin: cutting it
// short would close the coordinator before the miner's give-back reaches it, stranding the job as
// LEASED, and end the miner's log before its last lines.

import { errorMessage } from "../output.ts";
import type { ServiceName } from "./service-logs.ts";

/** One step's progress: the CLI's spinner. */
export type Step = (text: string) => {
  succeed(text?: string): void;
  fail(text?: string): void;
  update(text: string): void;
};

export interface Closer {
  name: ServiceName;
  close: () => Promise<unknown>;
  /** How long it may take before the next service is closed anyway (default STOP_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Said while it stops, e.g. how long a running job may still take (read when it stops). */
  note?: () => string | undefined;
  /** Said once it stopped, e.g. the jobs the miner gave back (read after close resolved). */
  outcome?: () => string | undefined;
}

export const STOP_ORDER: readonly ServiceName[] = ["miner", "dashboard", "fleet", "agent", "coordinator"];

/** How long a server may take to close. */
export const STOP_TIMEOUT_MS = 20_000;

/**
 * After the miner's grace period: the give-back of each job still running and one last delivery
 * pass, each one request to the coordinator (whose client gives up on its own well within this).
 */
export const MINER_STOP_MARGIN_MS = 15_000;

/** The miner's time limit for a grace period of `graceSecs`. */
export function minerStopTimeoutMs(graceSecs: number): number {
  return graceSecs * 1000 + MINER_STOP_MARGIN_MS;
}

/**
 * What became of the miner's work when it stopped: the jobs it gave back (the coordinator leases
 * them again) and results not yet delivered (kept in WORK_DIR, sent at the next start). Nothing to
 * say when it finished everything.
 */
export function minerStopOutcome(stopped: { gaveBack: number; pending: number }, workDir: string): string | undefined {
  const said: string[] = [];
  if (stopped.gaveBack > 0)
    said.push(`${stopped.gaveBack} running ${stopped.gaveBack === 1 ? "job" : "jobs"} given back to the coordinator`);
  if (stopped.pending > 0)
    said.push(
      `${stopped.pending} ${stopped.pending === 1 ? "result" : "results"} not yet delivered, kept in ${workDir} and sent at the next start`,
    );
  return said.length > 0 ? said.join("; ") : undefined;
}

/** Closes every closer in STOP_ORDER, one at a time, each within its time limit. */
export async function stopInOrder(closers: Closer[], step?: Step): Promise<void> {
  const ordered = [...closers].sort((a, b) => STOP_ORDER.indexOf(a.name) - STOP_ORDER.indexOf(b.name));
  for (const { name, close, timeoutMs = STOP_TIMEOUT_MS, note, outcome } of ordered) {
    const said = note?.();
    const progress = step?.(`stopping the ${name}${said ? ` (${said})` : ""}`);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    try {
      if ((await Promise.race([close(), late])) === "late")
        progress?.fail(`the ${name} did not stop within ${Math.round(timeoutMs / 1000)} s; going on`);
      else {
        const after = outcome?.();
        progress?.succeed(
          `${name} stopped (${((Date.now() - started) / 1000).toFixed(1)} s)${after ? `: ${after}` : ""}`,
        );
      }
    } catch (error) {
      progress?.fail(`the ${name} did not stop cleanly: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
