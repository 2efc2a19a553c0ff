// The poll path's fast routines against the plain ones they stand in for: the same answers on
// the reply corpus, on every simulated firmware and on random input. A fast path that drifts from
// its reference would change telemetry, and with it the ledger and replay.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { corpus, corpusNames } from "../../test/corpus.ts";
import { ManualClock } from "../clock.ts";
import { models } from "../models.ts";
import { SimulatedMiner } from "../simulator/simulated-miner.ts";
import { parseAvalonModule } from "./avalon-stats.ts";
import { pollCommands, routinePollCommands } from "./firmware.ts";
import { type JsonObject, type JsonValue, parseLenientJson, parseTolerant } from "./lenient-json.ts";
import { machineFacts, normalise } from "./normalise.ts";
import { type CommandReply, readCommandReply, readJoinedReply } from "./reply.ts";
import { exactThsFrom, thsFrom } from "./units.ts";
import { lookup, pickNumber, toNumber, toReadings } from "./values.ts";

// The regular-expression readers the hand-written scanners replaced, kept as the reference.
const referenceSuffixes: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
function referenceToNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/^'+|'+$/g, "");
  if (text === "") return undefined;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKmMgGtTpP])?$/.exec(text);
  if (!match) return undefined;
  const result = Number(match[1]) * (match[2] ? (referenceSuffixes[match[2].toLowerCase()] ?? 1) : 1);
  return Number.isFinite(result) ? result : undefined;
}
function referenceToReadings(value: JsonValue | undefined): number[] {
  if (typeof value === "number") return Number.isFinite(value) && value !== 0 ? [value] : [];
  if (typeof value !== "string") return [];
  return value
    .split(/[-,\s/]+/)
    .map(referenceToNumber)
    .filter((reading): reading is number => reading !== undefined && reading !== 0);
}
function referenceAvalonModule(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const pattern = /([A-Za-z][A-Za-z0-9_]*)\[([^\]]*)\]/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const name = match[1] as string;
    if (!fields.has(name)) fields.set(name, (match[2] ?? "").trim().split(/\s+/).filter(Boolean));
  }
  return fields;
}
function referenceLookup(source: JsonObject, key: string): JsonValue | undefined {
  if (Object.hasOwn(source, key)) return source[key];
  const actual = Object.keys(source).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return actual === undefined ? undefined : source[actual];
}

/** Every simulated firmware's replies to a full poll, as the adapter would request them. */
function simulatedPolls(): { model: string; commands: string[]; texts: string[] }[] {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const polls: { model: string; commands: string[]; texts: string[] }[] = [];
  for (const model of models) {
    for (const seed of [1, 2, 3]) {
      const miner = new SimulatedMiner({ id: `m${seed}`, model, seed, clock });
      if (seed === 3) miner.setFault({ kind: "low-hashrate", fraction: 0.4 });
      const commands = pollCommands(model.firmware);
      const requests = model.firmware === "btminer" ? commands : [commands.join("+")];
      const texts = requests.map((command) => {
        const response = miner.handle(JSON.stringify({ command, parameter: "" }));
        if (response.kind !== "reply") throw new Error(`${model.id} did not answer ${command}`);
        return response.text;
      });
      polls.push({ model: model.id, commands, texts });
    }
  }
  return polls;
}

function repliesOf(
  poll: { commands: string[]; texts: string[] },
  parse: (text: string) => ReturnType<typeof parseLenientJson>,
): CommandReply[] {
  const values = poll.texts.map((text) => {
    const parsed = parse(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  });
  if (values.length === 1 && poll.commands.length > 1) {
    const joined = readJoinedReply(poll.commands, values[0] as JsonValue);
    if (joined.kind !== "joined") throw new Error(joined.reason);
    return joined.replies;
  }
  return values.map((value, index) => readCommandReply(poll.commands[index] as string, value));
}

function telemetryOf(replies: CommandReply[], known?: ReturnType<typeof machineFacts>) {
  const result = normalise({ replies, configuredModel: undefined, rawSha256: "0".repeat(64), repairs: [], known });
  if (!result.ok) throw new Error(result.reason);
  return result.telemetry;
}

describe("fast paths of the poll", () => {
  it("the JSON.parse fast path and the tolerant reader read every corpus reply alike", () => {
    for (const name of corpusNames()) {
      const text = `${corpus(name)}\0`;
      const fast = parseLenientJson(text);
      const tolerant = parseTolerant(text);
      expect(tolerant, name).toEqual(fast);
      expect(fast.ok && fast.repairs, name).toEqual([]);
    }
  });

  it("the fast and the tolerant parser give identical telemetry for every simulated firmware", () => {
    for (const poll of simulatedPolls()) {
      const fast = telemetryOf(repliesOf(poll, parseLenientJson));
      expect(telemetryOf(repliesOf(poll, parseTolerant)), poll.model).toEqual(fast);
    }
  });

  it("a routine poll, told what the full poll learnt, gives the full poll's telemetry", () => {
    for (const poll of simulatedPolls()) {
      const replies = repliesOf(poll, parseLenientJson);
      const full = telemetryOf(replies);
      const routine = new Set(routinePollCommands(full.firmware.family));
      const subset = replies.filter((reply) => routine.has(reply.command));
      expect(subset.length, poll.model).toBeLessThan(replies.length);
      expect(telemetryOf(subset, machineFacts(full)), poll.model).toEqual(full);
    }
  });

  it("reads numbers as the regular-expression reader did", () => {
    const numeric = fc.stringMatching(/^[ '+\-.0-9eEkKmMgGtTpPx\t]{0,12}$/);
    fc.assert(
      fc.property(fc.oneof(numeric, fc.string(), fc.double()), (value) => {
        expect(toNumber(value)).toBe(referenceToNumber(value));
      }),
      { numRuns: 5_000 },
    );
    for (const value of ["39.5K", " 12 k", "'12 '", "' 12'", "5.", ".5", "-.5e3", "1e", "1e400", "0x10", "12 K "]) {
      expect(toNumber(value), value).toBe(referenceToNumber(value));
    }
  });

  it("splits sensor lists as the regular-expression reader did", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-, /0-9.kK']{0,24}$/), (value) => {
        expect(toReadings(value)).toEqual(referenceToReadings(value));
      }),
      { numRuns: 3_000 },
    );
  });

  it("converts hashrates to TH/s exactly as the rational arithmetic does", () => {
    const exponent = fc.constantFrom(-9, -6, -3, 0, 3);
    const hashrate = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1e9, max: 1e9 }).map((cents) => cents / 100),
      fc.integer({ min: 0, max: 1e12 }).map((micro) => micro / 1e6),
    );
    fc.assert(
      fc.property(hashrate, exponent, (value, power) => {
        expect(thsFrom(value, power)).toBe(exactThsFrom(value, power));
      }),
      { numRuns: 10_000 },
    );
  });

  it("splits Avalon module strings as the regular-expression reader did", () => {
    const clock = new ManualClock();
    for (const model of models.filter((candidate) => candidate.firmware === "avalon")) {
      const miner = new SimulatedMiner({ id: "a", model, seed: 5, clock });
      const response = miner.handle('{"command":"stats","parameter":""}');
      const text = response.kind === "reply" ? response.text : "";
      const module = (JSON.parse(text) as { STATS: { "MM ID0"?: string }[] }).STATS[0]?.["MM ID0"] ?? "";
      expect(module.length).toBeGreaterThan(100);
      expect(new Map(parseAvalonModule(module).entries())).toEqual(referenceAvalonModule(module));
    }
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_ [\]]{0,40}$/), (text) => {
        const fields = parseAvalonModule(text);
        const reference = referenceAvalonModule(text);
        expect(new Map(fields.entries())).toEqual(reference);
        for (const [name, values] of reference) {
          expect(fields.countNonZero(name)).toBe(values.filter((value) => value !== "0").length);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it("finds keys whatever their case in long rows too (through the row shape's index)", () => {
    const filler = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field_${i}`, i]));
    const key = fc.constantFrom("Power", "power", "POWER", "Chain_Power", "chain_power", "MHS av", "mhs AV");
    const extra = fc.dictionary(key, fc.oneof(fc.constant(""), fc.integer(), fc.constant("12.5")), { maxKeys: 4 });
    fc.assert(
      fc.property(extra, fc.boolean(), fc.array(key, { minLength: 1, maxLength: 3 }), (added, first, keys) => {
        const source: JsonObject = first ? { ...added, ...filler } : { ...filler, ...added };
        for (const wanted of keys) expect(lookup(source, wanted)).toBe(referenceLookup(source, wanted));
      }),
      { numRuns: 2_000 },
    );
  });

  it("finds keys whatever their case, the first spelling in the row winning, as a full index did", () => {
    const key = fc.constantFrom("Power", "power", "POWER", "Power_RT", "chain_power", "MHS av", "mhs AV", "x");
    const row = fc.dictionary(key, fc.oneof(fc.constant(""), fc.integer(), fc.constant("12.5")), { maxKeys: 6 });
    fc.assert(
      fc.property(row, fc.array(key, { minLength: 1, maxLength: 3 }), (source, keys) => {
        for (const wanted of keys) expect(lookup(source, wanted)).toBe(referenceLookup(source, wanted));
        const reference = keys
          .map((wanted) => referenceToNumber(referenceLookup(source, wanted)))
          .find((v) => v !== undefined);
        expect(pickNumber(source, ...keys)).toBe(reference);
      }),
      { numRuns: 3_000 },
    );
  });
});
