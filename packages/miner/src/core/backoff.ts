// Retry delays while the coordinator is unreachable: exponential growth with "full jitter"
// (a uniform draw between 0 and the exponential ceiling), capped, and reset by any success, so a
// fleet of miners does not hammer a coordinator that is coming back up in lockstep.

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 60_000 };

/** Delay before retry number `failures` (1 = first retry); `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** Whether the coordinator is reachable, as the miner last saw it; logged only when it changes. */
export interface LinkState {
  up: boolean;
  failures: number;
  /** The last failure's message, to say what changed. */
  lastError: string | undefined;
}

export const INITIAL_LINK: LinkState = { up: true, failures: 0, lastError: undefined };

export interface LinkStep {
  state: LinkState;
  /** Set when the state changed: the one log line for this change. */
  change: "down" | "up" | undefined;
}

export function linkFailed(state: LinkState, error: string): LinkStep {
  return {
    state: { up: false, failures: state.failures + 1, lastError: error },
    change: state.up ? "down" : undefined,
  };
}

export function linkSucceeded(state: LinkState): LinkStep {
  return { state: INITIAL_LINK, change: state.up ? undefined : "up" };
}
