// ISO-8601 (UTC, milliseconds) of an epoch-ms timestamp. A batch stamps its rows, records, events
// and answers with a few clock readings (its own, the lease times of the jobs it settles), each
// formatted many times over, and Date#toISOString is not cheap: the last few are kept.
const SLOTS = 4;
const times: number[] = new Array<number>(SLOTS).fill(Number.NaN);
const texts: string[] = new Array<string>(SLOTS).fill("");
let next = 0;

export function isoTime(ms: number): string {
  for (let slot = 0; slot < SLOTS; slot++) if (times[slot] === ms) return texts[slot] as string;
  const text = new Date(ms).toISOString();
  times[next] = ms;
  texts[next] = text;
  next = (next + 1) % SLOTS;
  return text;
}
