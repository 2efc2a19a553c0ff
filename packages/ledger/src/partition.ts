// Partition names become file paths in the JSONL store, so they are restricted to safe segments.

const segment = /^[A-Za-z0-9._-]+$/;

export class LedgerPartitionError extends Error {
  readonly partition: string;
  constructor(partition: string, problem: string) {
    super(`partition ${JSON.stringify(partition)}: ${problem}`);
    this.name = "LedgerPartitionError";
    this.partition = partition;
  }
}

/** The last name that passed: every append checks its partition, and a writer mostly uses one. */
let lastValid = "";

/** Throws a LedgerPartitionError unless `name` is `[A-Za-z0-9._-]+` segments joined by `/`. */
export function assertPartition(name: unknown): asserts name is string {
  if (name === lastValid && lastValid !== "") return;
  if (typeof name !== "string" || name.length === 0) {
    throw new LedgerPartitionError(String(name), "must be a non-empty string");
  }
  if (name.length > 200) throw new LedgerPartitionError(name, "is longer than 200 characters");
  for (const part of name.split("/")) {
    if (!segment.test(part)) {
      throw new LedgerPartitionError(name, "segments must match [A-Za-z0-9._-]+ and be joined by '/'");
    }
    if (part === "." || part === "..") throw new LedgerPartitionError(name, "segments cannot be '.' or '..'");
  }
  lastValid = name;
}
