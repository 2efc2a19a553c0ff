import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

function problem(flags: Record<string, string>, env: Record<string, string> = {}): string {
  try {
    loadConfig(flags, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "no error";
}

describe("configuration", () => {
  it("has embedded defaults: SQLite under ./data, port 8080 (the seed's COORD_URL), loopback", () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8080, feeBps: 100, leaseTtlS: 120, heartbeatTimeoutS: 90 });
    expect(config.db).toEqual({ kind: "sqlite", path: `${process.cwd()}/data/coordinator.db` });
    expect(config.adminKey).toBeUndefined();
  });

  it("caps the event streams and long-polls one key holds at 32 unless told otherwise (0: no cap)", () => {
    expect(loadConfig({}, {}).maxStreamsPerKey).toBe(32);
    expect(loadConfig({}, { PITHEAD_MAX_STREAMS_PER_KEY: "4" }).maxStreamsPerKey).toBe(4);
    expect(loadConfig({ maxStreamsPerKey: "0" }, {}).maxStreamsPerKey).toBe(0);
    expect(problem({ maxStreamsPerKey: "-1" })).toBe(
      "--max-streams-per-key (PITHEAD_MAX_STREAMS_PER_KEY): must be between 0 and 1000000, got -1",
    );
  });

  it("keeps job outputs 30 days after a job ends unless told otherwise (0: for ever)", () => {
    expect(loadConfig({}, {}).resultRetentionDays).toBe(30);
    expect(loadConfig({}, { PITHEAD_RESULT_RETENTION_DAYS: "0" }).resultRetentionDays).toBe(0);
    expect(loadConfig({ resultRetentionDays: "7" }, {}).resultRetentionDays).toBe(7);
    expect(problem({}, { PITHEAD_RESULT_RETENTION_DAYS: "a month" })).toBe(
      'PITHEAD_RESULT_RETENTION_DAYS: must be an integer, got "a month"',
    );
  });

  it("reads the environment, and flags win over it", () => {
    const config = loadConfig(
      { port: "9000" },
      { PITHEAD_PORT: "7000", PITHEAD_FEE_BPS: "250", PITHEAD_DB: "postgres://u:p@db:5432/pithead" },
    );
    expect(config.port).toBe(9000);
    expect(config.feeBps).toBe(250);
    expect(config.db).toEqual({ kind: "postgres", url: "postgres://u:p@db:5432/pithead" });
    expect(loadConfig({ db: "jobs.db", dataDir: "/srv/pithead" }, {}).db).toEqual({
      kind: "sqlite",
      path: "/srv/pithead/jobs.db",
    });
  });

  it("puts the database and the signing keys under a data dir given in code, not under ./data", () => {
    const config = loadConfig({}, {}, { dataDir: "/srv/other", port: 0 });
    expect(config.dataDir).toBe("/srv/other");
    expect(config.db).toEqual({ kind: "sqlite", path: "/srv/other/coordinator.db" });
    expect(config.receiptKeyFile).toBe("/srv/other/receipt-signing.key");
    expect(config.ledgerKeyFile).toBe("/srv/other/ledger.key");
    expect(config.port).toBe(0);
    // Paths given in code too win over the ones derived from the data dir.
    const explicit = loadConfig({}, {}, { dataDir: "/srv/other", receiptKeyFile: "/keys/r.key" });
    expect(explicit.receiptKeyFile).toBe("/keys/r.key");
  });

  it("names the flag and the variable of a bad value", () => {
    expect(problem({ port: "eighty" })).toBe('--port (PITHEAD_PORT): must be an integer, got "eighty"');
    expect(problem({}, { PITHEAD_FEE_BPS: "10001" })).toBe("PITHEAD_FEE_BPS: must be between 0 and 10000, got 10001");
    expect(problem({}, { PITHEAD_LEASE_TTL_S: "0" })).toMatch(/^PITHEAD_LEASE_TTL_S:/);
    expect(problem({ logLevel: "loud" })).toMatch(/^--log-level \(PITHEAD_LOG_LEVEL\): must be one of/);
    expect(problem({ db: "mysql://x" })).toMatch(
      /^--db \/ PITHEAD_DB: must be a SQLite file path or a postgres:\/\/ URL/,
    );
    expect(problem({}, { PITHEAD_ADMIN_KEY: "short" })).toBe(
      "PITHEAD_ADMIN_KEY: must be at least 16 characters (use a random key)",
    );
    expect(problem({}, { PITHEAD_HOST: "   " })).toBe("PITHEAD_HOST: must not be empty");
  });

  it("lists every bad value at once, one per line", () => {
    expect(problem({ port: "eighty", db: "mysql://x" }, { PITHEAD_FEE_BPS: "-5" }).split("\n")).toEqual([
      "3 problems in the coordinator's configuration:",
      "  - --db / PITHEAD_DB: must be a SQLite file path or a postgres:// URL",
      '  - --port (PITHEAD_PORT): must be an integer, got "eighty"',
      "  - PITHEAD_FEE_BPS: must be between 0 and 10000, got -5",
    ]);
  });
});
