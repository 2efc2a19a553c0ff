// bench fleet-parse: the per-miner CPU cost of the two ends of a poll, without the network.
//   simulator: SimulatedMiner.handle() for the request a poll sends (what the simulator pays per
//              request before the socket write);
//   read:      the adapter's reading of the reply (poll-reading.ts: lenient JSON, the joined-reply
//              split, normalised telemetry, SHA-256 of the raw bytes), beside JSON.parse alone on
//              the same bytes, the floor of any reader that builds the reply's objects.
// Routine polls, what every cycle after the first sends. One line per model, then the bench's
// fleet mix read interleaved, as a cycle reads it (a different model at every reply). CPU time,
// best of --rounds rounds, so that other work on the machine counts as little as it can.
//
//   node bench/fleet/parse.ts [--polls 2000] [--rounds 5]

import {
  type MachineFacts,
  ManualClock,
  machineFacts,
  modelById,
  pollCommands,
  readJoined,
  readSeparate,
  routinePollCommands,
  SimulatedMiner,
} from "../../packages/fleet/src/index.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const polls = Number(args.get("--polls") ?? "2000");
const rounds = Number(args.get("--rounds") ?? "5");
const modelIds = ["s19", "s19-xp", "s21", "s9", "s17-pro", "m30s", "avalon-1246", "cgminer-asc"];
const benchMix = ["s19", "s19-xp", "s21", "m30s", "s17-pro", "avalon-1246"];

/** This process's CPU time, µs. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

interface Poll {
  model: string;
  joined: boolean;
  commands: string[];
  facts: MachineFacts;
  raws: Buffer[];
}

/** Reads one poll's raw replies as the adapter does; throws if the reading fails. */
function read(poll: Poll): void {
  const context = { configuredModel: poll.model, known: poll.facts };
  if (poll.joined) {
    const joined = readJoined(poll.commands, poll.raws[0] as Buffer, context);
    if (joined.kind !== "read" || !joined.reading.ok) throw new Error(`${poll.model}: ${joined.kind}`);
    return;
  }
  const exchanges = poll.commands.map((command, index) => ({
    command,
    ok: true as const,
    raw: poll.raws[index] as Buffer,
  }));
  const reading = readSeparate(exchanges, [], context);
  if (!reading.ok) throw new Error(`${poll.model}: ${reading.reason}`);
}

const clock = new ManualClock(Date.UTC(2026, 0, 1));

/** `count` routine polls of a model's miners: the replies the simulator rendered, and its CPU per poll. */
function pollsOf(id: string, count: number): { polls: Poll[]; simulatorUs: number } {
  const model = modelById(id);
  if (!model) throw new Error(`unknown model ${id}`);
  const joined = model.firmware !== "btminer";
  const requestsFor = (commands: string[]) =>
    (joined ? [commands.join("+")] : commands).map((command) => JSON.stringify({ command, parameter: "" }));
  const miners = Array.from(
    { length: 64 },
    (_, index) => new SimulatedMiner({ id: `${id}-${index}`, model, seed: index + 1, clock }),
  );
  const ask = (miner: SimulatedMiner, requests: string[]) =>
    requests.map((request) => {
      const response = miner.handle(request);
      return Buffer.from(response.kind === "reply" ? response.text : "");
    });
  // A full poll first, as the adapter does, to learn what the machine is.
  const full = pollCommands(model.firmware);
  const fullRaws = ask(miners[0] as SimulatedMiner, requestsFor(full));
  const fullReading = joined
    ? readJoined(full, fullRaws[0] as Buffer, { configuredModel: id, known: undefined })
    : {
        kind: "read" as const,
        reading: readSeparate(
          full.map((command, index) => ({ command, ok: true as const, raw: fullRaws[index] as Buffer })),
          [],
          { configuredModel: id, known: undefined },
        ),
      };
  if (fullReading.kind !== "read" || !fullReading.reading.ok) throw new Error(`${id}: the full poll failed`);
  const facts = machineFacts(fullReading.reading.telemetry);
  const commands = routinePollCommands(model.firmware);
  const requests = requestsFor(commands);
  clock.advance(1_000); // a new sim second: the simulator renders afresh, as it does once per cycle
  const texts: string[][] = [];
  const started = cpuNow();
  for (let n = 0; n < count; n++) {
    if (n % miners.length === 0 && n > 0) clock.advance(1_000);
    const miner = miners[n % miners.length] as SimulatedMiner;
    texts.push(
      requests.map((request) => {
        const response = miner.handle(request);
        return response.kind === "reply" ? response.text : "";
      }),
    );
  }
  const simulatorUs = (cpuNow() - started) / count;
  const polls = texts.map((parts) => ({
    model: id,
    joined,
    commands,
    facts,
    raws: parts.map((text) => Buffer.from(text)),
  }));
  return { polls, simulatorUs };
}

/** Best CPU µs per poll over the rounds: reading, and JSON.parse alone. */
function timeReading(polls: Poll[]): { readUs: number; jsonUs: number } {
  let readUs = Number.POSITIVE_INFINITY;
  let jsonUs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    let started = cpuNow();
    for (const poll of polls) read(poll);
    readUs = Math.min(readUs, (cpuNow() - started) / polls.length);
    started = cpuNow();
    for (const poll of polls) for (const raw of poll.raws) JSON.parse(raw.toString("utf8"));
    jsonUs = Math.min(jsonUs, (cpuNow() - started) / polls.length);
  }
  return { readUs, jsonUs };
}

const format = (us: number) => us.toFixed(1).padStart(6);
const mix: Poll[][] = [];
for (const id of modelIds) {
  let simulatorUs = Number.POSITIVE_INFINITY;
  let sample: Poll[] = [];
  for (let round = 0; round < rounds; round++) {
    const made = pollsOf(id, polls);
    simulatorUs = Math.min(simulatorUs, made.simulatorUs);
    sample = made.polls;
  }
  if (benchMix.includes(id)) mix.push(sample);
  const { readUs, jsonUs } = timeReading(sample);
  const first = sample[0] as Poll;
  const bytes = first.raws.reduce((total, raw) => total + raw.length, 0);
  console.log(
    `${id.padEnd(12)} ${first.raws.length} request(s), ${String(bytes).padStart(5)} bytes: simulator ${format(simulatorUs)} µs, read ${format(readUs)} µs per poll (JSON.parse alone ${format(jsonUs)} µs)`,
  );
}

// The bench's fleet, interleaved: every reply a different model, as in a cycle.
const interleaved: Poll[] = [];
for (let n = 0; n < polls; n++) for (const polls of mix) interleaved.push(polls[n] as Poll);
const { readUs, jsonUs } = timeReading(interleaved);
console.log(
  `fleet mix (${benchMix.join(", ")}), interleaved: read ${format(readUs)} µs per poll (JSON.parse alone ${format(jsonUs)} µs)`,
);
