// What the coordinator and the fleet controller are told by `pithead up`, read back through each
// service's own configuration loader: --ledger-archive-dir reaches both, each in its own folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@pithead/coordinator";
import { loadFleetConfig } from "@pithead/fleet";
import { describe, expect, it, onTestFinished } from "vitest";
import { coordinatorFlags, fleetSettings } from "./service-settings.ts";
import { parseUpOptions } from "./up-options.ts";

const fleet = { operatorId: "default", secret: "0123456789abcdef0123456789abcdef" };

describe("pithead up's service settings", () => {
  it("--ledger-archive-dir archives the coordinator's ledger to <dir>/coordinator and the fleet's to <dir>/fleet", () => {
    const archive = { path: mkdtempSync(join(tmpdir(), "pithead-up-archive-")) };
    onTestFinished(() => rmSync(archive.path, { recursive: true, force: true }));
    const options = parseUpOptions({
      data: "/srv/pithead/data",
      ledgerArchiveDir: archive.path,
      ledgerArchiveAfterDays: "7",
    });
    const coordinator = loadConfig(coordinatorFlags(options, "admin-key-0123456789"), {});
    expect(coordinator.ledgerArchiveDir).toBe(`${archive.path}/coordinator`);
    expect(coordinator.ledgerArchiveAfterDays).toBe(7);
    expect(loadFleetConfig(fleetSettings(options, fleet)).ledger).toMatchObject({
      store: "jsonl",
      archive: { dir: `${archive.path}/fleet`, afterDays: 7 },
    });
  });

  it("without it nothing is archived; with --postgres both ledgers (in PostgreSQL) are archived too", () => {
    const plain = parseUpOptions({ data: "/srv/pithead/data" });
    expect(loadConfig(coordinatorFlags(plain, "admin-key-0123456789"), {}).ledgerArchiveDir).toBeUndefined();
    expect(loadFleetConfig(fleetSettings(plain, fleet)).ledger).not.toHaveProperty("archive");
    const archive = mkdtempSync(join(tmpdir(), "pithead-up-archive-"));
    onTestFinished(() => rmSync(archive, { recursive: true, force: true }));
    const postgres = parseUpOptions({
      data: "/srv/pithead/data",
      postgres: "postgres://pithead@db/pithead",
      ledgerArchiveDir: archive,
    });
    expect(loadConfig(coordinatorFlags(postgres, "admin-key-0123456789"), {}).ledgerArchiveDir).toBe(
      `${archive}/coordinator`,
    );
    expect(loadFleetConfig(fleetSettings(postgres, fleet)).ledger).toEqual({
      store: "postgres",
      url: "postgres://pithead@db/pithead",
      archive: { dir: `${archive}/fleet`, afterDays: 30 },
    });
  });
});
