// Following a job's event stream until the job is final, through coordinator restarts: a stream
// that ends (the server closing) or a connection that fails is tried again with backoff, and only
// a coordinator gone longer than `patienceMs` is an error. A refusal (401, 404) is not retried.
import { setTimeout as sleep } from "node:timers/promises";
import { CoordinatorApiError, type CoordinatorClient } from "@pithead/coordinator";

export const finalStates = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

/** The coordinator stayed out of reach for longer than the caller would wait. */
export class CoordinatorLost extends Error {
  constructor(url: string, patienceMs: number, lastState: string) {
    super(
      `lost the connection to the coordinator at ${url} and could not reconnect for ${Math.round(patienceMs / 1000)} s (the job was ${lastState || "in an unknown state"})`,
    );
    this.name = "CoordinatorLost";
  }
}

export interface FollowOptions {
  /** Stops following (a deadline): the last state seen is returned. */
  signal?: AbortSignal;
  /** How long the coordinator may stay out of reach. */
  patienceMs?: number;
  /** Told once per lost connection, before the first retry. */
  onLost?: (lastState: string) => void;
  /** Told once when a lost connection is back: on the new stream's first event, before onState. */
  onBack?: () => void;
}

/** Returns the job's final state, or the last state seen when `signal` aborts first. */
export async function followJob(
  api: CoordinatorClient,
  id: string,
  onState: (state: string, event: unknown) => void,
  options: FollowOptions = {},
): Promise<string> {
  const { signal, patienceMs = 60_000 } = options;
  let state = "";
  let lostSince: number | undefined;
  let delayMs = 250;
  while (!signal?.aborted) {
    try {
      await api.watch(
        id,
        ({ data }) => {
          // A reconnected stream starts with the job's current state: the first event says it is back.
          if (lostSince !== undefined) options.onBack?.();
          lostSince = undefined;
          delayMs = 250;
          state = (data as { state: string }).state;
          onState(state, data);
        },
        signal,
      );
      if (finalStates.has(state)) return state;
    } catch (error) {
      if (signal?.aborted) return state;
      if (error instanceof CoordinatorApiError && error.status < 500) throw error;
    }
    if (lostSince === undefined) {
      lostSince = Date.now();
      options.onLost?.(state);
    } else if (Date.now() - lostSince >= patienceMs) {
      throw new CoordinatorLost(api.url, patienceMs, state);
    }
    try {
      await sleep(delayMs, undefined, signal ? { signal } : {});
    } catch {
      return state;
    }
    delayMs = Math.min(delayMs * 2, 5_000);
  }
  return state;
}
