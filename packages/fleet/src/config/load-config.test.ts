import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readOnlyDir } from "@pithead/testkit";
import { describe, expect, it } from "vitest";
import { parseDotenv } from "./dotenv.ts";
import { ConfigError } from "./env-reader.ts";
import { loadFleetConfig } from "./load-config.ts";

function problems(env: Record<string, string>): string[] {
  try {
    loadFleetConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const secret = "0123456789abcdef-secret";

describe("fleet configuration", () => {
  it("form A: OPERATORS_JSON with the seed's field names", () => {
    const config = loadFleetConfig({
      OPERATORS_JSON: JSON.stringify([
        {
          operatorId: "op-1",
          label: "Operator 1",
          operatorMode: "MANUAL",
          apiSecret: secret,
          miners: [
            { id: "a1", ip: "192.168.1.101", model: "s19" },
            { ip: "192.168.1.102", port: 4029 },
          ],
          site: { energyCostPerKwh: 0.065, poolFeePercent: 1.5 },
          policy: { tempStopC: 90 },
        },
        { operatorId: "op-2", apiSecret: `${secret}-2`, miners: [{ id: "b1", host: "miner-b1.lan" }] },
      ]),
    });
    expect(config.operators).toHaveLength(2);
    expect(config.operators[0]).toMatchObject({
      id: "op-1",
      label: "Operator 1",
      mode: "MANUAL",
      miners: [
        { id: "a1", host: "192.168.1.101", port: 4028, model: "s19" },
        { id: "192.168.1.102_4029", host: "192.168.1.102", port: 4029 },
      ],
      site: { energyMicroUsdPerKwh: 65_000, poolFeePpm: 15_000 },
      policy: { tempStopC: 90, tempWarnC: 85 },
    });
    expect(config.operators[1]).toMatchObject({
      id: "op-2",
      label: "op-2",
      mode: "AUTO",
      miners: [{ id: "b1", host: "miner-b1.lan" }],
    });
    expect(config.simulated).toBeNull();
    expect(config.server.port).toBe(3001);
  });

  it("form B: indexed OPERATOR_N_* variables", () => {
    const config = loadFleetConfig({
      OPERATOR_0_ID: "operator-alpha",
      OPERATOR_0_LABEL: "Alpha Mining Ltd",
      OPERATOR_0_MODE: "AUTO",
      OPERATOR_0_SECRET: secret,
      OPERATOR_0_MINER_0_IP: "192.168.1.101",
      OPERATOR_0_MINER_0_ID: "antminer-001",
      OPERATOR_0_MINER_1_IP: "192.168.1.102",
      OPERATOR_1_ID: "operator-beta",
      OPERATOR_1_SECRET: `${secret}-beta`,
      OPERATOR_1_MINER_0_IP: "192.168.2.101",
      OPERATOR_1_ENERGY_COST_PER_KWH: "0.04",
    });
    expect(config.operators.map((o) => [o.id, o.label, o.miners.map((m) => m.id)])).toEqual([
      ["operator-alpha", "Alpha Mining Ltd", ["antminer-001", "192.168.1.102"]],
      ["operator-beta", "operator-beta", ["192.168.2.101"]],
    ]);
    expect(config.operators[1]?.site.energyMicroUsdPerKwh).toBe(40_000);
  });

  it("form C: single-operator variables as in an existing .env file", () => {
    const env = Object.fromEntries(
      parseDotenv(
        `# miners\nMINER_0_IP=10.0.0.5\nMINER_0_MODEL=m30s\nexport MINER_1_IP="10.0.0.6"\nENERGY_COST_PER_KWH=0.055 # $/kWh\nAPI_SECRET='${secret}'\nOPERATOR_MODE=manual\n`,
      ),
    );
    const config = loadFleetConfig(env);
    expect(config.operators).toEqual([
      expect.objectContaining({
        id: "default",
        mode: "MANUAL",
        secret,
        miners: [
          { id: "10.0.0.5", host: "10.0.0.5", port: 4028, model: "m30s" },
          { id: "10.0.0.6", host: "10.0.0.6", port: 4028 },
        ],
        site: { energyMicroUsdPerKwh: 55_000, poolFeePpm: 20_000 },
      }),
    ]);
  });

  it("with no miner configured, runs a simulated fleet (a few dozen miners) needing no secret", () => {
    const config = loadFleetConfig({});
    expect(config.simulated).toEqual({ miners: 24, seed: 1 });
    expect(config.operators).toEqual([expect.objectContaining({ id: "default", secret: null, miners: [] })]);
    expect(config.market.price).toEqual({ kind: "fixed" });
    expect(config.ledger).toEqual({ store: "jsonl", dir: "./data/fleet-ledger", sealBytes: 64 * 1024 * 1024 });
  });

  it("seals the JSONL ledger at LEDGER_SEAL_MB (0: never), refusing a value that is not a whole number of MB", () => {
    expect(loadFleetConfig({ LEDGER_SEAL_MB: "0" }).ledger).toEqual(expect.objectContaining({ sealBytes: 0 }));
    expect(loadFleetConfig({ LEDGER_SEAL_MB: "1" }).ledger).toEqual(expect.objectContaining({ sealBytes: 1 << 20 }));
    expect(problems({ LEDGER_SEAL_MB: "abc" })).toEqual(['LEDGER_SEAL_MB: must be a number, got "abc"']);
    expect(problems({ LEDGER_SEAL_MB: "-1" })).toEqual(["LEDGER_SEAL_MB: must be at least 0, got -1"]);
    expect(problems({ LEDGER_SEAL_MB: "1.5" })).toEqual(["LEDGER_SEAL_MB: must be a whole number, got 1.5"]);
  });

  it("archives old ledger segments only with LEDGER_ARCHIVE_DIR (after LEDGER_ARCHIVE_AFTER_DAYS, default 30), refusing a bad value or an unwritable directory by key", () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-archive-config-"));
    try {
      expect(loadFleetConfig({}).ledger).not.toHaveProperty("archive");
      expect(loadFleetConfig({ LEDGER_ARCHIVE_DIR: dir }).ledger).toEqual(
        expect.objectContaining({ archive: { dir, afterDays: 30 } }),
      );
      expect(loadFleetConfig({ LEDGER_ARCHIVE_DIR: dir, LEDGER_ARCHIVE_AFTER_DAYS: "7" }).ledger).toEqual(
        expect.objectContaining({ archive: { dir, afterDays: 7 } }),
      );
      expect(problems({ LEDGER_ARCHIVE_DIR: dir, LEDGER_ARCHIVE_AFTER_DAYS: "abc" })).toEqual([
        'LEDGER_ARCHIVE_AFTER_DAYS: must be a number, got "abc"',
      ]);
      expect(problems({ LEDGER_ARCHIVE_DIR: dir, LEDGER_ARCHIVE_AFTER_DAYS: "0" })).toEqual([
        "LEDGER_ARCHIVE_AFTER_DAYS: must be at least 1, got 0",
      ]);
      expect(problems({ LEDGER_ARCHIVE_AFTER_DAYS: "7" })).toEqual([
        "LEDGER_ARCHIVE_AFTER_DAYS: is set but LEDGER_ARCHIVE_DIR is not: name the archive directory too (unset, nothing is archived)",
      ]);
      const file = join(dir, "a-file");
      writeFileSync(file, "");
      expect(problems({ LEDGER_ARCHIVE_DIR: join(file, "archive") })).toEqual([
        expect.stringMatching(/^LEDGER_ARCHIVE_DIR: cannot be written \(ENOTDIR\)/),
      ]);
      // Every store archives (SQLite and PostgreSQL in segments of rows).
      expect(loadFleetConfig({ LEDGER_STORE: "sqlite", LEDGER_ARCHIVE_DIR: dir }).ledger).toEqual(
        expect.objectContaining({ store: "sqlite", archive: { dir, afterDays: 30 } }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the real cause for a read-only archive mount (EROFS, not the ENOENT a recursive mkdir says)", (context) => {
    using readOnly = readOnlyDir();
    if (!readOnly) return context.skip();
    expect(problems({ LEDGER_ARCHIVE_DIR: join(readOnly.path, "fleet") })).toEqual([
      expect.stringMatching(new RegExp(`^LEDGER_ARCHIVE_DIR: cannot be written \\(${readOnly.code}\\)`)),
    ]);
  });

  it("names the bad key, for every problem at once", () => {
    const list = problems({
      OPERATOR_0_ID: "alpha beta",
      OPERATOR_0_SECRET: "short",
      OPERATOR_0_MODE: "SOMETIMES",
      OPERATOR_0_MINER_0_IP: "not an address!",
      OPERATOR_0_MINER_0_PORT: "70000",
      OPERATOR_0_MINER_1_IP: "10.0.0.1",
      OPERATOR_0_MINER_1_MODEL: "s99",
      OPERATOR_0_ENERGY_COST_PER_KWH: "cheap",
      TEMP_STOP_C: "80",
      PORT: "http",
    });
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^OPERATOR_0_ID: must match/),
        "OPERATOR_0_SECRET: must be at least 16 characters",
        expect.stringMatching(/^OPERATOR_0_MODE: must be one of AUTO, MANUAL/),
        expect.stringMatching(/^OPERATOR_0_MINER_0_IP: is not an IP address or host name/),
        "OPERATOR_0_MINER_0_PORT: must be at most 65535, got 70000",
        expect.stringMatching(/^OPERATOR_0_MINER_1_MODEL: unknown model "s99"/),
        expect.stringMatching(/^OPERATOR_0_ENERGY_COST_PER_KWH: must be a non-negative price/),
        "TEMP_STOP_C: must be above TEMP_WARN_C (85, the default), got 80",
        'PORT: must be a number, got "http"',
      ]),
    );
  });

  it("refuses a setting it does not know in its own namespaces, instead of quietly using a default", () => {
    expect(
      problems({
        OPERATOR_0_ID: "a",
        OPERATOR_0_SECRET: secret,
        OPERATOR_0_ENERGY_PRICE: "0.08",
        OPERATOR_0_MINER_0_IP: "10.0.0.1",
        OPERATOR_0_MINER_0_MODLE: "s19",
      }),
    ).toEqual([
      expect.stringMatching(/^OPERATOR_0_ENERGY_PRICE: unknown setting: an operator's are .*_ENERGY_COST_PER_KWH/),
      expect.stringMatching(
        /^OPERATOR_0_MINER_0_MODLE: unknown setting: .*OPERATOR_0_MINER_<m>_IP, _ID, _PORT, _MODEL$/,
      ),
    ]);
    expect(problems({ MINER_0_IP: "10.0.0.1", MINER_0_PROT: "4029", API_SECRET: secret })).toEqual([
      "MINER_0_PROT: unknown setting: a miner's are MINER_0_IP, _ID, _PORT, _MODEL",
    ]);
    const json = [
      {
        operatorId: "a",
        apiSecret: secret,
        miners: [{ ip: "10.0.0.1", modle: "s19" }],
        site: { energyPrice: 0.05 },
        polcy: { tempStopC: 90 },
      },
    ];
    expect(problems({ OPERATORS_JSON: JSON.stringify(json) })).toEqual([
      expect.stringMatching(/^OPERATORS_JSON\[0\]\.polcy: unknown field: expected one of .*policy/),
      expect.stringMatching(/^OPERATORS_JSON\[0\]\.site\.energyPrice: unknown field: expected one of energyCostPerKwh/),
      expect.stringMatching(/^OPERATORS_JSON\[0\]\.miners\[0\]\.modle: unknown field: expected one of .*model$/),
    ]);
    // Other tools' variables are theirs.
    expect(() =>
      loadFleetConfig({ MINER_NAME: "agent", OPERATOR_HOME: "/srv", MINER_0_IP: "10.0.0.1", API_SECRET: secret }),
    ).not.toThrow();
  });

  it("names the JSON path in OPERATORS_JSON", () => {
    expect(problems({ OPERATORS_JSON: "[{" })[0]).toMatch(/^OPERATORS_JSON: is not valid JSON/);
    expect(
      problems({
        OPERATORS_JSON: JSON.stringify([
          { operatorId: "a", apiSecret: secret, miners: [{ port: 1 }], policy: { tempStopC: "hot", colour: 1 } },
        ]),
      }),
    ).toEqual(
      expect.arrayContaining([
        "OPERATORS_JSON[0].miners[0].ip: is required (the miner's address)",
        'OPERATORS_JSON[0].policy.tempStopC: must be a number, got "hot"',
        expect.stringMatching(
          /^OPERATORS_JSON\[0\]\.policy\.colour: is not a policy setting \(known: pollIntervalMs, /,
        ),
      ]),
    );
  });

  it("refuses duplicates, mixed forms and a missing secret", () => {
    expect(
      problems({
        OPERATOR_0_ID: "a",
        OPERATOR_0_SECRET: secret,
        OPERATOR_0_MINER_0_IP: "10.0.0.1",
        OPERATOR_0_MINER_1_IP: "10.0.0.1",
      }),
    ).toEqual([
      'OPERATOR_0_MINER_1_ID: duplicates the miner id "10.0.0.1" of OPERATOR_0_MINER_0_ID',
      "OPERATOR_0_MINER_1_IP: 10.0.0.1:4028 is already configured as OPERATOR_0_MINER_0_IP",
    ]);
    expect(problems({ OPERATORS_JSON: "[]", OPERATOR_0_ID: "x" })).toContain(
      "OPERATOR_0_ID: cannot be combined with OPERATORS_JSON: use one form",
    );
    expect(problems({ MINER_0_IP: "10.0.0.1" })).toContain(
      "API_SECRET: is required (the operator's HMAC secret) unless AUTH_DISABLED=true",
    );
    expect(loadFleetConfig({ MINER_0_IP: "10.0.0.1", AUTH_DISABLED: "true" }).auth.disabled).toBe(true);
  });

  it("refuses one miner address under two operators, and one secret for two operators, naming both keys", () => {
    const json = JSON.stringify([
      { operatorId: "op-1", apiSecret: "op-1-secret-0123456789", miners: [{ ip: "10.0.0.1", port: 4028 }] },
      { operatorId: "op-2", apiSecret: "op-2-secret-0123456789", miners: [{ ip: "10.0.0.1", port: 4028 }] },
    ]);
    expect(problems({ OPERATORS_JSON: json })).toEqual([
      "OPERATORS_JSON[1].miners[0].ip: 10.0.0.1:4028 is already configured under another operator as OPERATORS_JSON[0].miners[0].ip: a miner belongs to one operator",
    ]);
    expect(
      problems({
        OPERATOR_1_ID: "op-1",
        OPERATOR_1_SECRET: secret,
        OPERATOR_1_MINER_0_IP: "10.0.0.1",
        OPERATOR_2_ID: "op-2",
        OPERATOR_2_SECRET: secret,
        OPERATOR_2_MINER_0_IP: "10.0.0.2",
      }),
    ).toEqual([
      "OPERATOR_2_SECRET: is the same secret as OPERATOR_1_SECRET: each operator needs its own, or either could sign as the other",
    ]);
    // The same port on another address, or another port on the same address, is another miner.
    const fine = JSON.stringify([
      { operatorId: "op-1", apiSecret: "op-1-secret-0123456789", miners: [{ ip: "10.0.0.1", port: 4028 }] },
      { operatorId: "op-2", apiSecret: "op-2-secret-0123456789", miners: [{ ip: "10.0.0.1", port: 4029 }] },
    ]);
    expect(loadFleetConfig({ OPERATORS_JSON: fine }).operators.map((operator) => operator.id)).toEqual([
      "op-1",
      "op-2",
    ]);
  });

  it("refuses settings that cannot work together, saying why (polish from QA)", () => {
    // No authentication on a network address: refused unless allowed in so many words.
    expect(problems({ MINER_0_IP: "10.0.0.1", AUTH_DISABLED: "true", HOST: "0.0.0.0" })).toEqual([
      "AUTH_DISABLED: turns authentication off, and HOST=0.0.0.0 is not a loopback address: anyone who reaches the port could stop the miners. Listen on 127.0.0.1, or set AUTH_DISABLED_ALLOW_REMOTE=true if that network is yours alone",
    ]);
    expect(
      loadFleetConfig({
        MINER_0_IP: "10.0.0.1",
        AUTH_DISABLED: "true",
        HOST: "0.0.0.0",
        AUTH_DISABLED_ALLOW_REMOTE: "true",
      }).server.host,
    ).toBe("0.0.0.0");
    expect(loadFleetConfig({ MINER_0_IP: "10.0.0.1", AUTH_DISABLED: "true", HOST: "::1" }).auth.disabled).toBe(true);
    // A connect deadline longer than the whole exchange's.
    expect(
      problems({
        MINER_0_IP: "10.0.0.1",
        API_SECRET: secret,
        CGMINER_CONNECT_TIMEOUT_MS: "8000",
        CGMINER_TIMEOUT_MS: "5000",
      }),
    ).toEqual([
      "CGMINER_CONNECT_TIMEOUT_MS: (8000 ms) is longer than CGMINER_TIMEOUT_MS (5000 ms), the deadline of the whole exchange: it could never apply",
    ]);
    // An unknown policy key lists the known ones; the energy alias and its name both given.
    const json = JSON.stringify([
      {
        operatorId: "a",
        apiSecret: secret,
        miners: [{ ip: "10.0.0.1" }],
        policy: { tempStop: 90 },
        site: { energyCostPerKwh: 0.05, energyPriceUsdPerKwh: 0.06 },
      },
    ]);
    const found = problems({ OPERATORS_JSON: json });
    expect(found).toContain(
      "OPERATORS_JSON[0].site.energyPriceUsdPerKwh: is another name for site.energyCostPerKwh, which is also set: give one",
    );
    expect(found.find((line) => line.startsWith("OPERATORS_JSON[0].policy.tempStop:"))).toMatch(
      /^OPERATORS_JSON\[0\]\.policy\.tempStop: is not a policy setting \(known: .*tempStopC.*\)$/,
    );
  });

  it("names the keys the operator wrote when indexes skip a number (OPERATOR_1 and OPERATOR_3)", () => {
    expect(
      problems({
        OPERATOR_1_ID: "a",
        OPERATOR_1_SECRET: secret,
        OPERATOR_1_MINER_0_IP: "10.0.0.1",
        OPERATOR_3_ID: "a",
        OPERATOR_3_SECRET: `${secret}-3`,
      }),
    ).toEqual(['OPERATOR_3_ID: duplicates operator id "a"', "OPERATOR_3_MINER_0_IP: the operator has no miners"]);
  });

  it("derives stale telemetry from the poll interval unless set", () => {
    expect(loadFleetConfig({ POLL_INTERVAL_MS: "10000" }).operators[0]?.policy).toMatchObject({
      pollIntervalMs: 10_000,
      staleTelemetryMs: 20_000,
    });
    expect(
      loadFleetConfig({ POLL_INTERVAL_MS: "10000", STALE_TELEMETRY_MS: "45000" }).operators[0]?.policy.staleTelemetryMs,
    ).toBe(45_000);
  });

  it("names every key exactly as the operator wrote it, in each form (regression: OPERATORS_JSON[0].energy, policy: tempWarnC)", () => {
    expect(
      problems({
        OPERATORS_JSON: JSON.stringify([
          {
            operatorId: "a",
            apiSecret: secret,
            miners: [{ host: "miner.lan" }],
            site: { poolFeePercent: 150, energyCostPerKwh: -1 },
            policy: { tempWarnC: 99 },
          },
          {
            operatorId: "b",
            apiSecret: `${secret}-b`,
            miners: [{ ip: "10.0.0.2" }],
            site: { energyPriceUsdPerKwh: "x" },
          },
        ]),
      }),
    ).toEqual([
      'OPERATORS_JSON[0].site.energyCostPerKwh: must be a non-negative price in USD per kWh, got "-1"',
      "OPERATORS_JSON[0].site.poolFeePercent: must be at most 10 (a percentage: 2 is 2 %), got 150",
      "OPERATORS_JSON[0].policy.tempWarnC: must be below OPERATORS_JSON[0].policy.tempStopC (95, the default), got 99",
      'OPERATORS_JSON[1].site.energyPriceUsdPerKwh: must be a non-negative price in USD per kWh, got "x"',
    ]);
    expect(problems({ TEMP_WARN_C: "99" })).toEqual([
      "TEMP_WARN_C: must be below TEMP_STOP_C (95, the default), got 99",
    ]);
    expect(
      problems({ OPERATOR_0_ID: "a", OPERATOR_0_SECRET: secret, OPERATOR_0_MINER_0_IP: "10.0.0.1", TEMP_MAX_C: "90" }),
    ).toEqual(["TEMP_MAX_C: must be at least TEMP_STOP_C (95, the default), got 90"]);
    // A derived setting's problem is the setting it came from: stale telemetry is 2 × the poll interval.
    expect(problems({ POLL_INTERVAL_MS: "0" })).toEqual([
      "POLL_INTERVAL_MS: must be at least 1000 (milliseconds: 30000 is 30 s), got 0",
    ]);
    expect(problems({ POLL_INTERVAL_MS: "-5", STALE_TELEMETRY_MS: "0" })).toEqual([
      "POLL_INTERVAL_MS: must be at least 1000 (milliseconds: 30000 is 30 s), got -5",
      "STALE_TELEMETRY_MS: must be greater than 0",
    ]);
  });

  it("refuses a poll interval under a second, naming the key and its unit (POLL_INTERVAL_MS=30 ran 37 cycles a second)", () => {
    expect(problems({ POLL_INTERVAL_MS: "30" })).toEqual([
      "POLL_INTERVAL_MS: must be at least 1000 (milliseconds: 30000 is 30 s), got 30",
    ]);
    expect(
      problems({
        OPERATORS_JSON: JSON.stringify([
          { operatorId: "op-1", apiSecret: secret, miners: [{ ip: "10.0.0.1" }], policy: { pollIntervalMs: 500 } },
        ]),
      }),
    ).toEqual([
      "OPERATORS_JSON[0].policy.pollIntervalMs: must be at least 1000 (milliseconds: 30000 is 30 s), got 500",
    ]);
    expect(loadFleetConfig({ POLL_INTERVAL_MS: "1000" }).operators[0]?.policy.pollIntervalMs).toBe(1000);
  });

  it.each([
    // Number() would read 16 %: hex is refused, naming the key.
    ["POOL_FEE_PERCENT", "0x10", "must be a decimal number (hexadecimal, octal and binary are not read)"],
    ["ENERGY_COST_PER_KWH", "0x1", "must be a decimal number (hexadecimal, octal and binary are not read)"],
    // A decimal comma is told to be a dot.
    ["POOL_FEE_PERCENT", "0,05", "must be a decimal number with a dot (0.05, not 0,05)"],
    ["ENERGY_COST_PER_KWH", "0,05", "must be a decimal number with a dot (0.05, not 0,05)"],
    ["COOLDOWN_MS", "6e5", "must be a plain decimal number (exponent forms such as 1e3 are not read)"],
  ])("reads numbers as decimals only: %s=%s is refused naming the key", (key, value, problem) => {
    expect(problems({ [key]: value })).toEqual([`${key}: ${problem}, got ${JSON.stringify(value)}`]);
  });

  it.each([
    ["ENERGY_COST_PER_KWH", "1000", "must be at most 2 (USD per kWh, not cents: 12 cents is 0.12), got 1000"],
    ["POOL_FEE_PERCENT", "16", "must be at most 10 (a percentage: 2 is 2 %), got 16"],
  ])("refuses %s=%s, a figure no site has, saying the unit", (key, value, problem) => {
    expect(problems({ [key]: value })).toEqual([`${key}: ${problem}`]);
  });

  it("reads plain decimals up to the bounds", () => {
    expect(loadFleetConfig({ POOL_FEE_PERCENT: "1.5", ENERGY_COST_PER_KWH: ".07" }).operators[0]?.site).toEqual({
      energyMicroUsdPerKwh: 70_000,
      poolFeePpm: 15_000,
    });
    expect(loadFleetConfig({ ENERGY_COST_PER_KWH: "2", POOL_FEE_PERCENT: "10" }).operators[0]?.site).toEqual({
      energyMicroUsdPerKwh: 2_000_000,
      poolFeePpm: 100_000,
    });
  });

  it("refuses an address that looks like IPv4 but is not one, rather than taking it for a host name", () => {
    expect(problems({ MINER_0_IP: "999.1.1.1", API_SECRET: secret })).toEqual([
      'MINER_0_IP: is not a valid IPv4 address (each part 0-255): "999.1.1.1"',
    ]);
    expect(problems({ MINER_0_IP: "10.0.0", API_SECRET: secret })).toEqual([
      'MINER_0_IP: is not a valid IPv4 address (each part 0-255): "10.0.0"',
    ]);
    expect(
      loadFleetConfig({ MINER_0_IP: "10.0.0.255", MINER_1_IP: "s19-01.lan", API_SECRET: secret }).operators[0]?.miners,
    ).toHaveLength(2);
  });

  it("says to move a port written into the miner's IP to its port key (the form `fleet probe` takes)", () => {
    expect(problems({ MINER_0_IP: "10.0.0.5:4029", API_SECRET: secret })).toEqual([
      'MINER_0_IP: has a port in it ("10.0.0.5:4029"): give the host alone (10.0.0.5) and the port as MINER_0_PORT (4029)',
    ]);
    // Only that line: the same typo under two operators is not also "already configured".
    const miners = '"miners":[{"ip":"s19-01.lan:4029"}]';
    expect(
      problems({
        OPERATORS_JSON: `[{"operatorId":"a","apiSecret":"${secret}",${miners}},{"operatorId":"b","apiSecret":"${secret}-b",${miners}}]`,
      }),
    ).toEqual([
      'OPERATORS_JSON[0].miners[0].ip: has a port in it ("s19-01.lan:4029"): give the host alone (s19-01.lan) and the port as OPERATORS_JSON[0].miners[0].port (4029)',
      'OPERATORS_JSON[1].miners[0].ip: has a port in it ("s19-01.lan:4029"): give the host alone (s19-01.lan) and the port as OPERATORS_JSON[1].miners[0].port (4029)',
    ]);
  });

  it("refuses fixed market figures no real market has", () => {
    expect(problems({ FIXED_DIFFICULTY: "1", FIXED_BTC_PRICE_USD: "0.5" })).toEqual([
      "FIXED_BTC_PRICE_USD: must be a plausible BTC price, 1000…10000000 USD, got 0.5",
      "FIXED_DIFFICULTY: must be a plausible network difficulty, 1e+12…1e+18, got 1",
    ]);
  });
});
