// Interpreting a CGMiner API reply: the STATUS block (S/I/W success, E/F failure, the string
// forms "RESTART"/"BYE" of restart and quit, btminer's flat `{"STATUS":"E","Code":14,...}`),
// the sections named after the command (SUMMARY, DEVS, POOLS, STATS, ...), and the joined form
// `summary+devs` where each command's reply comes back as `{"summary":[{...}],"devs":[{...}]}`.

import { isJsonObject, type JsonObject, type JsonValue } from "./lenient-json.ts";
import { toNumber, toText } from "./values.ts";

export interface CommandStatus {
  /** S success, I informational, W warning, E error, F fatal; or RESTART / BYE. */
  letter: string;
  code: number | undefined;
  msg: string | undefined;
  description: string | undefined;
  /** The miner's clock (unix seconds) when it answered. */
  when: number | undefined;
}

export interface CommandReply {
  command: string;
  ok: boolean;
  status: CommandStatus | undefined;
  /** Section name (upper case) → its rows. */
  sections: Record<string, JsonObject[]>;
  /** Why the command failed, in one line (`E/45 Access denied to 'restart' command`). */
  error: string | undefined;
}

const knownCodes: Record<number, string> = {
  14: "invalid command",
  23: "invalid JSON",
  45: "access denied",
};

export function describeStatus(status: CommandStatus): string {
  const code = status.code === undefined ? "" : `/${status.code}`;
  const text = status.msg ?? (status.code !== undefined ? knownCodes[status.code] : undefined) ?? "no message";
  return `${status.letter}${code} ${text}`;
}

function readStatus(value: JsonValue | undefined, holder: JsonObject): CommandStatus | undefined {
  if (typeof value === "string") {
    // "RESTART"/"BYE" from restart/quit, or btminer's status letter with the fields beside it.
    return {
      letter: value,
      code: toNumber(holder.Code),
      msg: typeof holder.Msg === "string" ? holder.Msg : undefined,
      description: toText(holder.Description),
      when: toNumber(holder.When),
    };
  }
  const first = Array.isArray(value) ? value[0] : value;
  if (!isJsonObject(first)) return undefined;
  const letter = toText(first.STATUS);
  if (!letter) return undefined;
  return {
    letter,
    code: toNumber(first.Code),
    msg: typeof first.Msg === "string" ? first.Msg : undefined,
    description: toText(first.Description),
    when: toNumber(first.When),
  };
}

const successLetters = new Set(["S", "I", "W", "RESTART", "BYE"]);

/** One command's reply object → its status and sections. */
export function readCommandReply(command: string, value: JsonValue | undefined): CommandReply {
  const holder = Array.isArray(value) ? value[0] : value;
  if (!isJsonObject(holder)) {
    return { command, ok: false, status: undefined, sections: {}, error: "reply is not a JSON object" };
  }
  const status = readStatus(holder.STATUS, holder);
  const sections: Record<string, JsonObject[]> = {};
  let sectionCount = 0;
  for (const key in holder) {
    if (key === "STATUS" || key === "id" || !Object.hasOwn(holder, key)) continue;
    const section = holder[key];
    if (Array.isArray(section)) {
      const rows = section.every(isJsonObject) ? (section as JsonObject[]) : section.filter(isJsonObject);
      if (rows.length > 0 || section.length === 0) {
        sections[key.toUpperCase()] = rows;
        sectionCount++;
      }
    } else if (isJsonObject(section)) {
      sections[key.toUpperCase()] = [section]; // BFGminer-style single object
      sectionCount++;
    }
  }
  if (status && !successLetters.has(status.letter.toUpperCase())) {
    return { command, ok: false, status, sections, error: describeStatus(status) };
  }
  if (!status && sectionCount === 0) {
    return { command, ok: false, status, sections, error: "reply has neither STATUS nor data" };
  }
  return { command, ok: true, status, sections, error: undefined };
}

export type JoinedReply =
  | { kind: "joined"; replies: CommandReply[] }
  /** The firmware refused or did not understand the joined request: ask one command at a time. */
  | { kind: "refused"; reason: string };

/** Splits the reply to `a+b+c` into one reply per command. */
export function readJoinedReply(commands: readonly string[], value: JsonValue): JoinedReply {
  if (!isJsonObject(value)) return { kind: "refused", reason: "joined reply is not a JSON object" };
  const byLowerKey = new Map(Object.keys(value).map((key) => [key.toLowerCase(), key]));
  const present = commands.filter((command) => byLowerKey.has(command.toLowerCase()));
  if (present.length === 0) {
    const status = readStatus(value.STATUS, value);
    return {
      kind: "refused",
      reason: status ? `joined command refused: ${describeStatus(status)}` : "joined reply has no per-command sections",
    };
  }
  const replies = commands.map((command) => {
    const key = byLowerKey.get(command.toLowerCase());
    if (key === undefined) {
      return { command, ok: false, status: undefined, sections: {}, error: "missing from the joined reply" };
    }
    return readCommandReply(command, value[key]);
  });
  return { kind: "joined", replies };
}
