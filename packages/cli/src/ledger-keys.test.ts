import { describe, expect, it } from "vitest";
import { keyLayout } from "./ledger-keys.ts";

describe("where a ledger's checkpoint key is kept", () => {
  it("the fleet controller's: its store's name + .key, beside it (JSONL folder or SQLite file)", () => {
    expect(keyLayout({ store: "jsonl", dir: "./data/fleet-ledger/" }, "fleet/default")).toEqual({
      candidates: ["./data/fleet-ledger.key", "data/fleet-ledger/ledger.key"],
      home: "./data/fleet-ledger.key",
      origin: "pithead-fleet",
    });
    expect(keyLayout({ store: "sqlite", path: "/srv/data/fleet-ledger.sqlite" }, "fleet/op-1").home).toBe(
      "/srv/data/fleet-ledger.key",
    );
    expect(keyLayout({ store: "sqlite", path: "data/fleet/fleet-ledger.db" }, "fleet/default").home).toBe(
      "data/fleet/fleet-ledger.key",
    );
  });

  it("the coordinator's: ledger.key beside its database", () => {
    expect(keyLayout({ store: "sqlite", path: "data/coordinator/coordinator.db" }, "coordinator")).toEqual({
      candidates: ["data/coordinator/ledger.key", "data/coordinator/coordinator.key"],
      home: "data/coordinator/ledger.key",
      origin: "pithead.local",
    });
  });

  it("a store of the CLI's own: ledger.key inside its folder; PostgreSQL keeps none", () => {
    expect(keyLayout({ store: "jsonl", dir: "ops-ledger" }, "ops").home).toBe("ops-ledger/ledger.key");
    expect(keyLayout({ store: "postgres" }, "coordinator")).toEqual({
      candidates: [],
      home: undefined,
      origin: "pithead.local",
    });
  });
});
