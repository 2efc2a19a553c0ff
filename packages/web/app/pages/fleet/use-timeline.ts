// The timeline of one operator for the Fleet page: loaded until `want` entries show, extended when
// `want` grows ("Show more"), refreshed from the newest record down to what it had. One step runs
// at a time; a new operator or the HOLD switch starts over and drops what an older step returns.

import { useCallback, useEffect, useRef, useState } from "react";
import { type CycleBody, type DecisionBody, fleet, type NegativeProofBody } from "../../api/fleet.ts";
import type { FleetCredential } from "../../session/connections.ts";
import {
  emptyTimeline,
  extendTimeline,
  refreshTimeline,
  type TimelineSources,
  type TimelineState,
} from "./timeline-pager.ts";

const PAGE = 500;
/** Cycles counted for "No actions: N cycles" (more shows as "N+"). */
const CYCLES_COUNTED = 50;
const ACTIONS = ["RUN", "STOP", "RESTART"];

function sourcesFor(operator: FleetCredential, signal: AbortSignal, showHold: boolean): TimelineSources {
  const action = showHold ? undefined : ACTIONS;
  return {
    decisions: (before, after) =>
      fleet.list<DecisionBody>(operator, "decisions", PAGE, signal, before, { after, action }),
    proofs: (before, after) =>
      fleet.list<NegativeProofBody>(operator, "negative-proofs", PAGE, signal, before, { after }),
    cycles: (before, after) => fleet.list<CycleBody>(operator, "cycles", CYCLES_COUNTED, signal, before, { after }),
  };
}

export function useTimeline(
  operator: FleetCredential,
  showHold: boolean,
  want: number,
): { state: TimelineState | null; error: unknown; loading: boolean; refresh: () => void; retry: () => void } {
  const [state, setState] = useState<TimelineState | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const current = useRef<TimelineState>(emptyTimeline(showHold));
  const queue = useRef<Promise<void>>(Promise.resolve());
  const queued = useRef(0);
  const controller = useRef(new AbortController());
  const wantRef = useRef(want);
  wantRef.current = want;

  const run = useCallback(
    (step: (from: TimelineState, sources: TimelineSources, want: number) => Promise<TimelineState>) => {
      const { signal } = controller.current;
      queued.current++;
      queue.current = queue.current.then(async () => {
        try {
          if (signal.aborted) return;
          setLoading(true);
          const from = current.current;
          const next = await step(from, sourcesFor(operator, signal, from.showHold), wantRef.current);
          if (signal.aborted) return;
          current.current = next;
          setState(next);
          setError(undefined);
        } catch (failure) {
          if (!signal.aborted) setError(failure);
        } finally {
          queued.current--;
          if (!signal.aborted) setLoading(false);
        }
      });
    },
    [operator],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: starts over for another operator or HOLD switch
  useEffect(() => {
    controller.current = new AbortController();
    current.current = emptyTimeline(showHold);
    setState(null);
    setError(undefined);
    run(extendTimeline);
    const mine = controller.current;
    return () => mine.abort();
  }, [operator.id, operator.secret, showHold]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a longer list needs more pages
  useEffect(() => {
    if (state) run(extendTimeline);
  }, [want]);

  return {
    state,
    error,
    loading,
    // A refresh waits for nothing already queued: a slow controller does not pile them up.
    refresh: useCallback(() => {
      if (queued.current === 0) run(refreshTimeline);
    }, [run]),
    retry: useCallback(() => run(extendTimeline), [run]),
  };
}
