import { describe, expect, it } from "vitest";
import { corpus } from "../../test/corpus.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { normalise } from "./normalise.ts";
import { type CommandReply, readCommandReply, readJoinedReply } from "./reply.ts";

function single(command: string, name: string): CommandReply {
  const result = parseLenientJson(corpus(name));
  if (!result.ok) throw new Error(result.reason);
  return readCommandReply(command, result.value);
}

function joined(commands: string[], name: string): CommandReply[] {
  const result = parseLenientJson(corpus(name));
  if (!result.ok) throw new Error(result.reason);
  const reply = readJoinedReply(commands, result.value);
  if (reply.kind !== "joined") throw new Error(reply.reason);
  return reply.replies;
}

function telemetryOf(replies: CommandReply[], configuredModel?: string) {
  const result = normalise({ replies, configuredModel, rawSha256: "ab".repeat(32), repairs: [] });
  if (!result.ok) throw new Error(result.reason);
  return result.telemetry;
}

describe("normalised telemetry per firmware", () => {
  it("cgminer: MHS windows, the freshest first, devices as boards, a Sick device reported", () => {
    const t = telemetryOf(joined(["version", "summary", "devs", "pools"], "cgminer-joined"));
    expect(t.firmware).toEqual({ family: "cgminer", name: "cgminer", version: "4.12.1" });
    expect(t.hashrateThs).toBe("4.65");
    expect(t.hashrateWindow).toBe("5s");
    expect(t.boards.map((b) => b.index)).toEqual([0, 1, 2]);
    expect(t.maxBoardTempC).toBe(66.3);
    expect(t.errors).toContain("device 2: Sick");
    expect(t.pools).toEqual([
      {
        url: "stratum+tcp://pool.example.org:3333",
        user: "worker.1",
        status: "Alive",
        priority: 0,
        accepted: 1500,
        rejected: 4,
        stale: 0,
      },
    ]);
    expect(t.uptimeS).toBe(3600);
    // No model reported and none configured: no expected hashrate, no power estimate.
    expect(t.expectedThs).toBeNull();
    expect(t.powerW).toBeNull();
  });

  it("cgminer with a configured model: nameplate expected hashrate and an estimated power, marked as such", () => {
    const t = telemetryOf([single("summary", "cgminer-summary")], "cgminer-asc");
    expect(t.expectedThs).toBe("4.73");
    expect(t.expectedSource).toBe("nameplate");
    expect(t.powerSource).toBe("estimated");
    expect(t.powerW).toBe(Math.round(4.698_1235 * 250));
    expect(t.powerNote).toContain("250 J/TH");
  });

  it("bmminer S9: chains 6-8, GHS 5s as a string, temp2_N chip temps, one failing chip", () => {
    const t = telemetryOf([single("stats", "bmminer-s9-stats")]);
    expect(t.firmware.family).toBe("bmminer");
    expect(t.model).toBe("Antminer S9");
    expect(t.hashrateThs).toBe("13.78821");
    expect(t.expectedThs).toBe("13.5");
    expect(t.expectedSource).toBe("nameplate");
    expect(t.boards.map((b) => b.index)).toEqual([6, 7, 8]);
    expect(t.boards.map((b) => b.hashrateThs)).toEqual(["4.62015", "4.53177", "4.63629"]);
    expect(t.boards[1]).toMatchObject({
      chipsGood: 62,
      chipsBad: 1,
      chipsExpected: 63,
      chipTempsC: [79],
      boardTempsC: [64],
    });
    expect(t.maxChipTempC).toBe(79);
    expect(t.fansRpm).toEqual([5760, 5880]);
    expect(t.errors).toContain("board 7: 1 chip(s) marked x (failing)");
    expect(t.powerSource).toBe("estimated");
    expect(t.powerW).toBe(Math.round(13.78821 * 98));
  });

  it('bmminer S17 Pro: temp_chipN "a-b-c-d" strings, empty "" chains skipped, rate_unit GH', () => {
    const t = telemetryOf([single("stats", "bmminer-s17-stats")]);
    expect(t.model).toBe("Antminer S17 Pro");
    expect(t.boards).toHaveLength(3);
    expect(t.boards[0]?.chipTempsC).toEqual([47, 79, 48, 71]);
    expect(t.boards[2]?.boardTempsC).toEqual([16, 46, 13, 38]);
    expect(t.maxChipTempC).toBe(79);
    expect(t.expectedThs).toBe("53.001");
    expect(t.expectedSource).toBe("reported");
    expect(t.fansRpm).toEqual([2460, 3060, 3120, 2400]);
  });

  it('bmminer S19 XP joined reply: model from VERSION, pools with a Diff of "39.5K"', () => {
    const t = telemetryOf(joined(["version", "summary", "pools", "stats"], "bmminer-s19-joined"));
    expect(t.model).toBe("Antminer S19 XP");
    expect(t.firmware.version).toBe("1.0.0");
    expect(t.hashrateThs).toBe("139.87602");
    expect(t.expectedThs).toBe("140");
    expect(t.boards.every((b) => b.chipsGood === 110 && b.chipsExpected === 110)).toBe(true);
    expect(t.pools.map((p) => p.status)).toEqual(["Alive", "Dead"]);
    expect(t.accepted).toBe(81234);
    expect(t.errors).toEqual([]);
  });

  it("btminer (Whatsminer): reported power and factory hashrate, fans in/out, version refused with E/14", () => {
    const replies = [
      single("version", "btminer-version-refused"),
      single("summary", "btminer-summary"),
      single("devs", "btminer-devs"),
    ];
    const t = telemetryOf(replies, "m30s");
    expect(t.firmware).toMatchObject({ family: "btminer", name: "btminer", version: "20220805.22.REL" });
    expect(t.hashrateThs).toBe("88.101235");
    expect(t.expectedThs).toBe("88");
    expect(t.expectedSource).toBe("reported");
    expect(t.powerW).toBe(3312);
    expect(t.powerSource).toBe("reported");
    expect(t.fansRpm).toEqual([4620, 4590]);
    expect(t.maxChipTempC).toBe(83.4);
    expect(t.boards.map((b) => b.chipsGood)).toEqual([148, 148, 146]);
    expect(t.errors).toContain("version: E/14 invalid cmd");
  });

  it("Avalon: the MM ID0 string gives per-board hashrate and temperatures, fans and supply power", () => {
    const t = telemetryOf([single("summary", "avalon-summary"), single("stats", "avalon-1047-stats")]);
    expect(t.firmware.family).toBe("avalon");
    expect(t.model).toBe("AvalonMiner 1047");
    expect(t.hashrateWindow).toBe("30s");
    expect(t.boards.map((b) => b.hashrateThs)).toEqual(["18.7002", "18.50095"]);
    expect(t.boards.map((b) => b.chipTempsC)).toEqual([[76], [71]]);
    expect(t.boards[0]?.chipsGood).toBe(8);
    expect(t.powerW).toBe(2291);
    expect(t.powerSource).toBe("reported");
    expect(t.fansRpm).toEqual([2990, 2970]);
    expect(t.maxChipTempC).toBe(76);
    expect(t.errors).toContain("Avalon error codes ECHU[512]");
  });

  it("every firmware's telemetry has its keys in canonical JSON order, so the ledger records it without reordering a copy", () => {
    const all = [
      telemetryOf(joined(["version", "summary", "devs", "pools"], "cgminer-joined")),
      telemetryOf(joined(["version", "summary", "pools", "stats"], "bmminer-s19-joined")),
      telemetryOf([single("stats", "bmminer-s9-stats")], "s9"),
      telemetryOf([single("summary", "btminer-summary"), single("devs", "btminer-devs")], "m30s"),
      telemetryOf([single("summary", "avalon-summary"), single("stats", "avalon-1047-stats")]),
    ];
    const unsorted: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) visit(item, `${path}[${i}]`);
      } else if (value !== null && typeof value === "object") {
        const keys = Object.keys(value);
        if (keys.join() !== [...keys].sort().join()) unsorted.push(path);
        for (const key of keys) visit((value as Record<string, unknown>)[key], `${path}.${key}`);
      }
    };
    for (const [i, t] of all.entries()) visit(t, `telemetry${i}`);
    expect(all.every((t) => t.boards.length > 0 && t.pools !== undefined)).toBe(true);
    expect(unsorted).toEqual([]);
  });

  it("fails, with a reason, when no reply carries a hashrate", () => {
    const result = normalise({
      replies: [single("restart", "access-denied")],
      configuredModel: undefined,
      rawSha256: "",
      repairs: [],
    });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("no hashrate") });
  });
});

describe("STATUS handling", () => {
  it("reads S/I/W as success and E/F as failure naming the code", () => {
    expect(single("restart", "access-denied")).toMatchObject({
      ok: false,
      error: "E/45 Access denied to 'restart' command",
    });
    expect(single("foo", "invalid-command")).toMatchObject({ ok: false, error: "E/14 Invalid command" });
    const warning = readCommandReply("summary", {
      STATUS: [{ STATUS: "W", Code: 11, Msg: "Summary" }],
      SUMMARY: [{ Elapsed: 1 }],
    });
    expect(warning.ok).toBe(true);
    const fatal = readCommandReply("summary", { STATUS: [{ STATUS: "F", Code: 99, Msg: "boom" }] });
    expect(fatal).toMatchObject({ ok: false, error: "F/99 boom" });
  });

  it("reads restart's and quit's string STATUS replies as success", () => {
    expect(single("restart", "restart")).toMatchObject({ ok: true, status: { letter: "RESTART" } });
    expect(single("quit", "quit")).toMatchObject({ ok: true, status: { letter: "BYE" } });
  });

  it("says a joined command was refused so the adapter can fall back to single commands", () => {
    const refused = readJoinedReply(["summary", "devs"], JSON.parse(corpus("invalid-command")));
    expect(refused).toEqual({ kind: "refused", reason: "joined command refused: E/14 Invalid command" });
  });
});
