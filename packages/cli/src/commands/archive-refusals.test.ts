// Each refusal of `pithead ledger archive` names the way that archives that store.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fleetRefusal, lockedRefusal } from "./archive-refusals.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-refusals-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ledger archive's refusals", () => {
  it("name the coordinator's flag for its database, up's flag for up's, and the fleet's variable for its ledger", () => {
    const locked = 'partition "coordinator" already has a writer: pid 42';
    expect(lockedRefusal(locked, "coordinator", { store: "sqlite", path: "/srv/coord/coordinator.db" })).toBe(
      `${locked} (a running service archives its own ledger: a coordinator archives its ledger by itself: start it with --ledger-archive-dir DIR (PITHEAD_LEDGER_ARCHIVE_DIR))`,
    );
    const data = join(root, "data");
    mkdirSync(join(data, "coordinator"), { recursive: true });
    writeFileSync(join(data, "keys.json"), "{}");
    expect(
      lockedRefusal(locked, "coordinator", { store: "sqlite", path: join(data, "coordinator", "coordinator.db") }),
    ).toContain(`this is \`pithead up\`'s ledger (--data ${data}): start up with --ledger-archive-dir DIR`);
    expect(fleetRefusal("fleet/op", { store: "jsonl", root: "/srv/fleet/fleet-ledger" })).toContain(
      "the fleet controller archives its own ledger by itself: set LEDGER_ARCHIVE_DIR",
    );
    expect(fleetRefusal("fleet/op", { store: "postgres" })).toContain(
      "fleet/op is the fleet controller's partition: the fleet controller archives its own ledger by itself: set LEDGER_ARCHIVE_DIR",
    );
    expect(fleetRefusal("ops", { store: "jsonl", root: "/srv/ledger" })).toBeUndefined();
    expect(fleetRefusal("coordinator", { store: "postgres" })).toBeUndefined();
  });
});
