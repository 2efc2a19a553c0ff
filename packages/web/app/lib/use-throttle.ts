// A throttled call for a component (see throttle.ts): `poke` as often as events come; the call
// runs at most every `gapMs`. A hidden tab skips the run and makes it up when shown again.

import { useEffect, useRef, useState } from "react";
import { createThrottle } from "./throttle.ts";

export function useThrottle(run: () => void, gapMs: number): () => void {
  const ref = useRef(run);
  ref.current = run;
  const missed = useRef(false);
  const [throttle] = useState(() =>
    createThrottle(
      () => {
        if (document.visibilityState === "hidden") missed.current = true;
        else ref.current();
      },
      { gapMs, settleMs: Math.min(250, gapMs) },
    ),
  );
  useEffect(() => {
    const shown = () => {
      if (document.visibilityState === "visible" && missed.current) {
        missed.current = false;
        throttle.poke();
      }
    };
    document.addEventListener("visibilitychange", shown);
    return () => {
      document.removeEventListener("visibilitychange", shown);
      throttle.cancel();
    };
  }, [throttle]);
  return throttle.poke;
}
