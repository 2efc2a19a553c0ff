// A coloured label for a state (job states, miner status, fleet actions); the text carries the
// meaning, the colour only repeats it.

const tones: Record<string, string> = {
  COMPLETED: "ok",
  ok: "ok",
  online: "ok",
  RUN: "ok",
  AUTO: "ok",
  QUEUED: "info",
  LEASED: "info",
  VERIFYING: "info",
  HOLD: "info",
  draining: "warn",
  stopping: "warn",
  MANUAL: "warn",
  RESTART: "warn",
  unknown: "warn",
  EXPIRED: "warn",
  CANCELED: "muted",
  offline: "muted",
  FAILED: "bad",
  failed: "bad",
  STOP: "bad",
};

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-${tones[state] ?? "info"}`}>{state}</span>;
}
