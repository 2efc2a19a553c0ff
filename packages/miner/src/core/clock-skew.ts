// How far this machine's clock is off the coordinator's, from a heartbeat's server_time. The
// coordinator read its clock somewhere between our request and its answer, so only what lies
// outside that round trip is skew. A clock far off (no NTP, a VM restored from a snapshot) makes the
// miner's log and result times disagree with the coordinator's receipts, leases and ledger.

/** Beyond this the miner says so (once, and once more when the clocks agree again). */
export const CLOCK_SKEW_WARN_MS = 60_000;

/**
 * This machine's clock minus the coordinator's, ms (positive: ours is ahead), beyond the round
 * trip from `sentAt` to `receivedAt` (our clock); 0 within it; undefined without a server_time.
 */
export function clockSkewMs(serverTime: string | undefined, sentAt: number, receivedAt: number): number | undefined {
  const server = serverTime === undefined ? Number.NaN : Date.parse(serverTime);
  if (Number.isNaN(server)) return undefined;
  if (server < sentAt) return sentAt - server;
  if (server > receivedAt) return receivedAt - server;
  return 0;
}

/** "3 min 5 s ahead of" / "2 h 1 min behind": a skew as an operator reads it. */
export function describeSkew(skewMs: number): string {
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = h > 0 ? [`${h} h`, `${min} min`] : min > 0 ? [`${min} min`, `${s} s`] : [`${s} s`];
  return `${parts.join(" ")} ${skewMs > 0 ? "ahead of" : "behind"}`;
}
