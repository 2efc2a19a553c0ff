// openLedger: picks the store and wraps it in the common Ledger.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerBackend, LedgerRecovery } from "./backend.ts";
import { JsonlBackend } from "./jsonl-store.ts";
import { type Ledger, type LedgerOptions, StoreLedger } from "./ledger.ts";

export type LedgerStoreOptions =
  | { store: "jsonl"; dir: string }
  | { store: "sqlite"; path: string }
  | { store: "postgres"; url: string };

export type OpenLedgerOptions = LedgerStoreOptions &
  LedgerOptions & {
    /** Called for every repair made on open (a torn last line moved aside); also listed in `ledger.recovered`. */
    onRecovery?: (recovery: LedgerRecovery) => void;
  };

export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const recovered: LedgerRecovery[] = [];
  const onRecovery = (recovery: LedgerRecovery) => {
    recovered.push(recovery);
    options.onRecovery?.(recovery);
  };
  let backend: LedgerBackend;
  switch (options.store) {
    case "jsonl":
      mkdirSync(options.dir, { recursive: true });
      backend = new JsonlBackend(options.dir, onRecovery);
      break;
    // Loaded on demand: a JSONL user (or a CLI call) need not pay for pg.
    case "sqlite": {
      if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
      const { SqliteBackend } = await import("./sqlite-store.ts");
      backend = new SqliteBackend(options.path);
      break;
    }
    case "postgres": {
      const { PostgresBackend } = await import("./postgres-store.ts");
      backend = await PostgresBackend.open(options.url);
      break;
    }
    default:
      throw new Error(
        `unknown ledger store ${JSON.stringify((options as { store?: unknown }).store)}: use jsonl, sqlite or postgres`,
      );
  }
  return new StoreLedger(backend, options, recovered);
}
