// Why `pithead ledger archive` refuses a partition, and what works instead. A service's ledger is
// archived by the service itself: the fleet controller records its state (configuration, mode, the
// miners it stopped) before each run, which an archive from outside does not, and a running service
// holds the writer lock. Each refusal names the way that works for that store: the fleet's
// LEDGER_ARCHIVE_DIR, `pithead up`'s --ledger-archive-dir, or the coordinator's.
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { serviceOfPartition } from "./ledger-append.ts";

/** Where the partition is kept, as `ledger archive` was given it. */
export type ArchivedStore =
  | { store: "jsonl"; root: string }
  | { store: "sqlite"; path: string }
  | { store: "postgres" };

/** `pithead up`'s --data when the store is one of the ledgers it keeps there (<data>/keys.json beside). */
export function upDataDirOf(location: ArchivedStore): string | undefined {
  // up keeps the fleet's JSONL ledger in <data>/fleet/fleet-ledger, the coordinator's in <data>/coordinator/coordinator.db.
  const [serviceDir, own] =
    location.store === "jsonl"
      ? [dirname(location.root), basename(location.root) === "fleet-ledger" ? "fleet" : undefined]
      : location.store === "sqlite"
        ? [dirname(location.path), "coordinator"]
        : [undefined, undefined];
  if (serviceDir === undefined || own === undefined || basename(serviceDir) !== own) return undefined;
  const data = dirname(serviceDir);
  return existsSync(join(data, "keys.json")) ? data : undefined;
}

/** How the service that owns `partition` archives it by itself, for this store. */
export function selfArchiving(partition: string, location: ArchivedStore): string {
  const up = upDataDirOf(location);
  if (up !== undefined)
    return `this is \`pithead up\`'s ledger (--data ${up}): start up with --ledger-archive-dir DIR (and --ledger-archive-after-days N) and it archives by itself`;
  if (serviceOfPartition(partition) === "fleet")
    return "the fleet controller archives its own ledger by itself: set LEDGER_ARCHIVE_DIR (and LEDGER_ARCHIVE_AFTER_DAYS) in its environment";
  return "a coordinator archives its ledger by itself: start it with --ledger-archive-dir DIR (PITHEAD_LEDGER_ARCHIVE_DIR)";
}

/** The refusal of a locked partition (its service runs). */
export function lockedRefusal(lockMessage: string, partition: string, location: ArchivedStore): string {
  return `${lockMessage} (a running service archives its own ledger: ${selfArchiving(partition, location)})`;
}

/**
 * The refusal of a fleet controller's partition without --force (undefined: not one): archiving from
 * here moves its STOP receipts and configuration without recording its state first, so a restart
 * forgets the miners it stopped and their cooldowns.
 */
export function fleetRefusal(partition: string, location: ArchivedStore): string | undefined {
  if (serviceOfPartition(partition) !== "fleet") return undefined;
  const state = "its state (configuration, mode, the miners it stopped)";
  const loss =
    "archiving here would lose that state across a restart (the controller would forget the miners it stopped and their cooldowns)";
  const force = "Add --force to archive it anyway";
  return `${partition} is the fleet controller's partition: ${selfArchiving(partition, location)}, recording ${state} first; ${loss}. ${force}`;
}
