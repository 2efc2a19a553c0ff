// The params of the built-in workloads, checked when a job is submitted: a job the miners would
// refuse (BAD_PARAMS) is refused here instead, naming the field, so it never takes escrow, leases
// or the client's hour of TTL. The rules mirror the miner's readers (packages/miner/src/workloads);
// test/workload-params-agree.test.ts holds the two to the same answers, in the same order. A key the
// workload does not read is refused here too (the miners ignore it). Other workload names are the
// miners' business and pass unchecked.

export interface ParamsProblem {
  /** Path of the offending value, e.g. "body.params.max_tokens". */
  field: string;
  message: string;
}

type Params = Record<string, unknown>;
type Rule = (params: Params) => ParamsProblem | undefined;

const MAX_SEED = 2 ** 32 - 1;

function problem(field: string, message: string): ParamsProblem {
  return { field: `body.params${field}`, message: `params${field} ${message}` };
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function int(field: string, min: number, max: number): Rule {
  return (params) => {
    const value = params[field];
    if (absent(value) || (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)) {
      return undefined;
    }
    return problem(`.${field}`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  };
}

function num(field: string, min: number, max: number): Rule {
  return (params) => {
    const value = params[field];
    if (absent(value) || (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max)) {
      return undefined;
    }
    return problem(`.${field}`, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  };
}

function str(field: string, maxLength: number): Rule {
  return (params) => {
    const value = params[field];
    if (absent(value) || (typeof value === "string" && value.length <= maxLength)) return undefined;
    return problem(`.${field}`, `must be a string of at most ${maxLength} characters`);
  };
}

function multipleOf8(field: string): Rule {
  return (params) => {
    const value = params[field];
    if (typeof value === "number" && Number.isInteger(value) && value % 8 !== 0) {
      return problem(`.${field}`, `must be a multiple of 8, got ${value}`);
    }
    return undefined;
  };
}

const promptOrMessages: Rule = (params) =>
  absent(params.prompt) === absent(params.messages)
    ? problem("", "needs exactly one of prompt (a string) or messages (a chat)")
    : undefined;

const messages: Rule = (params) => {
  const value = params.messages;
  if (absent(value)) return undefined;
  if (!Array.isArray(value) || value.length === 0) return problem(".messages", "must be a non-empty array");
  for (const [index, message] of value.entries()) {
    const m = message as { role?: unknown; content?: unknown } | null;
    if (typeof m !== "object" || m === null || !["system", "user", "assistant"].includes(m.role as string)) {
      return problem(`.messages[${index}].role`, "must be system, user or assistant");
    }
    if (typeof m.content !== "string") return problem(`.messages[${index}].content`, "must be a string");
  }
  return undefined;
};

const stop: Rule = (params) => {
  const value = params.stop;
  if (absent(value)) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > 16 || list.some((s) => typeof s !== "string" || s === "")) {
    return problem(".stop", "must be a non-empty string or up to 16 of them");
  }
  return undefined;
};

const requiredPrompt: Rule = (params) => {
  const value = params.prompt;
  // str("prompt") has already refused a value that is not a string.
  return typeof value === "string" && value.trim() !== "" ? undefined : problem(".prompt", "is required");
};

/**
 * Every param each built-in workload reads. Another key is refused, naming it: a typo (max_token)
 * would otherwise be ignored and the job run, and paid for, with the default.
 */
const KNOWN: Record<string, readonly string[]> = {
  llm_gen: ["prompt", "messages", "max_tokens", "temperature", "seed", "stop", "model"],
  sd_infer: ["prompt", "model", "negative_prompt", "steps", "width", "height", "cfg_scale", "seed", "sampler_name"],
  torch_bench: ["n", "iters"],
};

/** Edits (insert, delete, replace) between two short names: how near a typo is to a known key. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

function onlyKnown(workload: string, known: readonly string[]): Rule {
  return (params) => {
    const unknown = Object.keys(params).find((key) => !known.includes(key));
    if (unknown === undefined) return undefined;
    const shown = unknown.length > 64 ? `${unknown.slice(0, 64)}…` : unknown;
    const path = /^[A-Za-z_][A-Za-z0-9_]*$/.test(shown) ? `.${shown}` : `[${JSON.stringify(shown)}]`;
    // Near: a slip of a letter or two, fewer for a short key ("i" is not a slip of "n").
    const slips = Math.min(2, Math.floor(unknown.length / 3));
    const near = known.find((key) => distance(unknown.toLowerCase(), key) <= slips);
    const hint = near === undefined ? "" : ` (did you mean ${near}?)`;
    return problem(path, `is not a parameter of ${workload}${hint}: it takes ${known.join(", ")}`);
  };
}

const RULES: Record<string, readonly Rule[]> = {
  llm_gen: [
    str("prompt", 1_000_000),
    promptOrMessages,
    int("max_tokens", 1, 1 << 20),
    num("temperature", 0, 2),
    int("seed", 0, MAX_SEED),
    stop,
    messages,
    str("model", 200),
  ],
  sd_infer: [
    str("prompt", 10_000),
    requiredPrompt,
    str("model", 300),
    str("negative_prompt", 10_000),
    int("steps", 1, 150),
    int("width", 64, 2048),
    multipleOf8("width"),
    int("height", 64, 2048),
    multipleOf8("height"),
    num("cfg_scale", 1, 30),
    int("seed", 0, MAX_SEED),
    str("sampler_name", 100),
  ],
  torch_bench: [int("n", 16, 16_384), int("iters", 1, 100_000)],
};

/** The first problem with a job's params for its workload, or undefined when miners would take them. */
export function checkWorkloadParams(workload: string, params: unknown): ParamsProblem | undefined {
  const rules = RULES[workload];
  const known = KNOWN[workload];
  if (!rules || !known) return undefined;
  if (absent(params)) params = {};
  if (typeof params !== "object" || Array.isArray(params)) return problem("", "must be a JSON object");
  // First: a mistyped key ("promt") explains the problems the rules would report after it.
  for (const rule of [onlyKnown(workload, known), ...rules]) {
    const found = rule(params as Params);
    if (found) return found;
  }
  return undefined;
}
