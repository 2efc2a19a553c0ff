// What opening a JSONL partition makes of what its scan of records.jsonl found. Pure: the partition
// does the I/O. Only what was never acknowledged is repaired (a torn last line, NUL blocks a power
// loss left), and only beyond every record a stored checkpoint covers: a checkpoint is signed after
// its records are durable, so a file that ends before them lost data, and appending there would fork
// the signed history.

export interface ScanFindings {
  /** complete, chained record lines found */
  records: number;
  /** end offset of the last of them */
  end: number;
  /** the first complete line that does not continue the chain */
  stop?: { offset: number; reason: string; garbage: boolean };
  /** bytes after the last newline */
  tornBytes: number;
  /** the largest size a stored checkpoint covers */
  covered: number;
}

export type OpenVerdict =
  | { kind: "ok" }
  /** Cut the file at `offset`, moving what follows aside: an append that was never acknowledged. */
  | { kind: "move-aside"; offset: number; reason: string }
  /** Refuse to write (a reader stops reading there): `detail` says what and where, for the operator. */
  | { kind: "damage"; detail: string };

const VERIFY = "run `pithead ledger verify` on the ledger";

function lastPresent(found: ScanFindings): string {
  return found.records === 0
    ? "it holds no complete record"
    : `the last record present is record ${found.records - 1} (ending at byte ${found.end})`;
}

/** `file` is the records file's path, named in a damage report. */
export function openVerdict(found: ScanFindings, file: string): OpenVerdict {
  const { stop, covered } = found;
  if (stop && !(stop.garbage && found.records >= covered)) {
    return { kind: "damage", detail: `records.jsonl at byte ${stop.offset}: ${stop.reason} (${file}); ${VERIFY}` };
  }
  if (found.records < covered) {
    const cut = found.tornBytes > 0 ? `, followed by ${found.tornBytes} bytes of a cut line` : "";
    return {
      kind: "damage",
      detail:
        `${file} ends before the records the checkpoint of size ${covered} covers: ${lastPresent(found)}${cut}; ` +
        `records ${found.records}..${covered - 1} are missing. A signed checkpoint covers them, so this is lost data, ` +
        "not an append cut short by a crash: nothing is written to this partition until records.jsonl is restored " +
        `(from a backup or an export); ${VERIFY}`,
    };
  }
  if (stop)
    return { kind: "move-aside", offset: stop.offset, reason: `unwritten blocks after a crash (${stop.reason})` };
  if (found.tornBytes > 0) {
    return { kind: "move-aside", offset: found.end, reason: "torn last line (an append that was never acknowledged)" };
  }
  return { kind: "ok" };
}
