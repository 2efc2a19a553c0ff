// A cheap look at an SQL partition's records (for `pithead ledger partitions`): its head says how many
// records it holds, and its rows must number exactly that, as seqs 0..size-1. A row deleted by hand
// leaves a gap that only a verify would otherwise find (reads would skip the seq silently).

/**
 * The damage the row count and the highest seq reveal against the head's size; undefined when none.
 * Records below `archived` were moved to the archive (sql-archive.ts): their rows are gone by design.
 */
export function rowCountDamage(size: number, rows: number, highest: number | null, archived = 0): string | undefined {
  const top = highest ?? -1;
  const stored = size - archived;
  if (rows === stored && (stored === 0 || top === size - 1)) return undefined;
  const held = archived > 0 ? ` (records 0..${archived - 1} are archived)` : "";
  if (rows < stored) {
    return `${stored - rows} of its ${size} records ${stored - rows === 1 ? "is" : "are"} missing (${rows} rows in ledger_records${held})`;
  }
  return `ledger_records holds ${rows} rows up to seq ${top}, but its head says ${size} records${held}`;
}
