// Faults a simulated miner can be told to show, one of each kind at a time.

export type MalformedForm = "missing-comma" | "trailing-comma" | "bare-inf" | "newline" | "truncated" | "garbage";
export type ImpossibleValue =
  | "negative-hashrate"
  | "hashrate-spike"
  | "temperature"
  | "zero-power"
  | "counters-backwards";

export type Fault =
  /** The API stops listening: connections are refused. */
  | { kind: "unreachable" }
  /** Replies arrive after `delayMs` (real time: this is the network, not the miner's clock). */
  | { kind: "slow"; delayMs: number }
  /** Accepts the connection and never answers. */
  | { kind: "hang" }
  /** Cooling failure: the thermal target rises until the chips pass the stop level. */
  | { kind: "over-temperature" }
  | { kind: "impossible"; value: ImpossibleValue }
  | { kind: "malformed"; form: MalformedForm }
  /** Hashes at `fraction` of nameplate (a failing board, a bad pool). */
  | { kind: "low-hashrate"; fraction: number }
  /** The API answers but nothing hashes. */
  | { kind: "stalled" }
  /** The firmware refuses `+`-joined commands with E/14. */
  | { kind: "no-joins" }
  /** Privileged commands are refused with E/45, as stock firmware without --api-allow W does. */
  | { kind: "read-only" };

export type FaultKind = Fault["kind"];

const forms: readonly MalformedForm[] = [
  "missing-comma",
  "trailing-comma",
  "bare-inf",
  "newline",
  "truncated",
  "garbage",
];
const values: readonly ImpossibleValue[] = [
  "negative-hashrate",
  "hashrate-spike",
  "temperature",
  "zero-power",
  "counters-backwards",
];

/** Parses the CLI form: "unreachable", "slow:2000", "malformed:garbage", "low-hashrate:0.3". */
export function parseFault(text: string): Fault {
  const [kind = "", argument] = text.split(":", 2);
  switch (kind) {
    case "unreachable":
    case "hang":
    case "over-temperature":
    case "stalled":
    case "no-joins":
    case "read-only":
      return { kind };
    case "slow": {
      const delayMs = Number(argument ?? "3000");
      if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`slow needs a delay in ms, got '${argument}'`);
      return { kind, delayMs };
    }
    case "low-hashrate": {
      const fraction = Number(argument ?? "0.3");
      if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
        throw new Error(`low-hashrate needs a fraction 0..1, got '${argument}'`);
      return { kind, fraction };
    }
    case "malformed": {
      const form = (argument ?? "garbage") as MalformedForm;
      if (!forms.includes(form)) throw new Error(`malformed needs one of ${forms.join(", ")}, got '${argument}'`);
      return { kind, form };
    }
    case "impossible": {
      const value = (argument ?? "hashrate-spike") as ImpossibleValue;
      if (!values.includes(value)) throw new Error(`impossible needs one of ${values.join(", ")}, got '${argument}'`);
      return { kind, value };
    }
    default:
      throw new Error(
        `unknown fault '${kind}' (unreachable, slow, hang, over-temperature, impossible, malformed, low-hashrate, stalled, no-joins, read-only)`,
      );
  }
}
