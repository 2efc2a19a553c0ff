// Loads something asynchronously for a component: aborts when the inputs change or the component
// goes away, keeps the last good value while reloading, and exposes the error as a message.

import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now, abandoning a load in flight. */
  reload: () => void;
  /**
   * Loads again, but lets a load in flight finish first (then loads once more): live updates call
   * it often, and restarting each time would never let a slow answer arrive.
   */
  refresh: () => void;
}

export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | null, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(load !== null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const inFlight = useRef(false);
  const again = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    const run = loadRef.current;
    if (!run) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    inFlight.current = true;
    again.current = false;
    const settle = () => {
      inFlight.current = false;
      if (again.current) setGeneration((value) => value + 1);
    };
    run(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
        setLoading(false);
        settle();
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
        settle();
      },
    );
    return () => {
      inFlight.current = false;
      controller.abort();
    };
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const refresh = useCallback(() => {
    if (inFlight.current) again.current = true;
    else setGeneration((value) => value + 1);
  }, []);
  return { data, error, loading, reload, refresh };
}

/** Calls `tick` every `ms` while the page is visible. */
export function useInterval(tick: () => void, ms: number | null): void {
  const ref = useRef(tick);
  ref.current = tick;
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") ref.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
}
