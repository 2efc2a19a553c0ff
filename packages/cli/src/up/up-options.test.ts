import { describe, expect, it } from "vitest";
import { DEFAULT_PORTS, parseUpOptions, UpOptionError } from "./up-options.ts";

const problem = (raw: Parameters<typeof parseUpOptions>[0]) => {
  try {
    parseUpOptions(raw, "/srv/pithead");
  } catch (error) {
    if (error instanceof UpOptionError) return { flag: error.flag, message: error.message };
    throw error;
  }
  return undefined;
};

describe("pithead up options", () => {
  it("default to the usual ports, ./data, SQLite and a few dozen simulated miners", () => {
    expect(parseUpOptions({}, "/srv/pithead")).toEqual({
      dataDir: "/srv/pithead/data",
      host: "127.0.0.1",
      ports: DEFAULT_PORTS,
      postgres: undefined,
      simulatedMiners: 36,
      json: false,
      showKeys: false,
      logLevel: "info",
    });
    expect(DEFAULT_PORTS).toEqual({ dashboard: 8090, coordinator: 8080, agent: 8001, fleet: 3001 });
  });

  it("name the flag of a bad port, and of a port given twice", () => {
    expect(problem({ coordinatorPort: "80800" })).toEqual({
      flag: "--coordinator-port",
      message: '--coordinator-port: must be a port number (0-65535), got "80800"',
    });
    expect(problem({ port: "8080" })?.message).toBe("--coordinator-port: port 8080 is already given to --port");
  });

  it("let every service take a free port of the system's choice (0)", () => {
    expect(parseUpOptions({ port: "0", coordinatorPort: "0", agentPort: "0", fleetPort: "0" }).ports).toEqual({
      dashboard: 0,
      coordinator: 0,
      agent: 0,
      fleet: 0,
    });
  });

  it("take PostgreSQL only as a postgres:// URL", () => {
    expect(problem({ postgres: "mysql://x" })?.flag).toBe("--postgres");
    expect(parseUpOptions({ postgres: "postgres://pithead@db/pithead" }).postgres).toBe(
      "postgres://pithead@db/pithead",
    );
  });

  it("refuse an empty fleet, a bad log level and an empty host", () => {
    expect(problem({ miners: "0" })?.flag).toBe("--miners");
    expect(problem({ miners: "many" })?.flag).toBe("--miners");
    expect(problem({ logLevel: "loud" })?.flag).toBe("--log-level");
    expect(problem({ host: " " })?.flag).toBe("--host");
  });

  it("archive the ledgers only with --ledger-archive-dir (after 30 days, or --ledger-archive-after-days), naming the flag of a bad value", () => {
    expect(parseUpOptions({}, "/srv/pithead").ledgerArchive).toBeUndefined();
    expect(parseUpOptions({ ledgerArchiveDir: "nas" }, "/srv/pithead").ledgerArchive).toEqual({
      dir: "/srv/pithead/nas",
      afterDays: 30,
    });
    expect(parseUpOptions({ ledgerArchiveDir: "/mnt/nas", ledgerArchiveAfterDays: "7" }).ledgerArchive).toEqual({
      dir: "/mnt/nas",
      afterDays: 7,
    });
    for (const days of ["0", "1.5", "week", "36501"])
      expect(problem({ ledgerArchiveDir: "/mnt/nas", ledgerArchiveAfterDays: days })?.flag).toBe(
        "--ledger-archive-after-days",
      );
    expect(problem({ ledgerArchiveAfterDays: "7" })?.message).toBe(
      "--ledger-archive-after-days: is given without --ledger-archive-dir: name the archive directory too (without it nothing is archived)",
    );
    expect(problem({ ledgerArchiveDir: " " })?.flag).toBe("--ledger-archive-dir");
    expect(problem({ ledgerArchiveDir: import.meta.filename })?.message).toBe(
      `--ledger-archive-dir: ${import.meta.filename} is a file, not a directory`,
    );
  });

  it("keep an absolute data directory as given", () => {
    expect(parseUpOptions({ data: "/var/lib/pithead" }).dataDir).toBe("/var/lib/pithead");
  });
});
