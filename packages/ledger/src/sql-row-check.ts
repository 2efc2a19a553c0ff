// A cheap look at an SQL partition's records (for `pithead ledger partitions`): its head says how many
// records it holds, and its rows must number exactly that, as seqs 0..size-1. A row deleted by hand
// leaves a gap that only a verify would otherwise find (reads would skip the seq silently).

/** The damage the row count and the highest seq reveal against the head's size; undefined when none. */
export function rowCountDamage(size: number, rows: number, highest: number | null): string | undefined {
  const top = highest ?? -1;
  if (rows === size && top === size - 1) return undefined;
  if (rows < size) {
    return `${size - rows} of its ${size} records ${size - rows === 1 ? "is" : "are"} missing (${rows} rows in ledger_records)`;
  }
  return `ledger_records holds ${rows} rows up to seq ${top}, but its head says ${size} records`;
}
