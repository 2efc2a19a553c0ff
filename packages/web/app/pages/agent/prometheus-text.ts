// The Prometheus text exposition format (version 0.0.4), as the agent's /metrics answers it
// (prom-client): one sample a line, `name{label="value",…} value [timestamp]`, with `# HELP` and
// `# TYPE` comments. Read leniently: a line that does not parse is reported by number and skipped,
// so one odd line (a newer metric, a label escape we did not expect) never blanks the whole panel.

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** NaN, +Inf and -Inf are kept as such. */
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** `# TYPE` lines: metric family → counter, gauge, histogram, summary or untyped. */
  types: ReadonlyMap<string, string>;
  /** Lines that were skipped, as "line N: why". */
  problems: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** A sample value: Go's float syntax as Prometheus writes it, including NaN and ±Inf. */
export function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** `{a="1",b="x\"y"}` from `start` (the `{`): the labels and where the text after `}` begins. */
function readLabels(line: string, start: number): { labels: Record<string, string>; end: number } | string {
  const labels: Record<string, string> = {};
  let at = start + 1;
  const skipSpaces = () => {
    while (line[at] === " " || line[at] === "\t") at += 1;
  };
  for (;;) {
    skipSpaces();
    if (line[at] === "}") return { labels, end: at + 1 };
    const name = LABEL_NAME.exec(line.slice(at))?.[0];
    if (!name) return `a label name was expected at column ${at + 1}`;
    at += name.length;
    skipSpaces();
    if (line[at] !== "=") return `"=" was expected after label ${name}`;
    at += 1;
    skipSpaces();
    if (line[at] !== '"') return `label ${name}'s value is not quoted`;
    at += 1;
    let value = "";
    for (;;) {
      const char = line[at];
      if (char === undefined) return `label ${name}'s value is not closed`;
      at += 1;
      if (char === '"') break;
      if (char !== "\\") {
        value += char;
        continue;
      }
      const escaped = line[at];
      at += 1;
      // The format escapes only these three; anything else after a backslash is kept as written.
      value += escaped === "n" ? "\n" : escaped === "\\" ? "\\" : escaped === '"' ? '"' : `\\${escaped ?? ""}`;
    }
    labels[name] = value;
    skipSpaces();
    if (line[at] === ",") at += 1;
    else if (line[at] !== "}") return `"," or "}" was expected after label ${name}`;
  }
}

function parseSampleLine(line: string): Sample | string {
  const name = NAME.exec(line)?.[0];
  if (!name) return "no metric name";
  let at = name.length;
  while (line[at] === " " || line[at] === "\t") at += 1;
  let labels: Record<string, string> = {};
  if (line[at] === "{") {
    const read = readLabels(line, at);
    if (typeof read === "string") return read;
    labels = read.labels;
    at = read.end;
  }
  const rest = line.slice(at).trim().split(/\s+/);
  // A value, then an optional timestamp (ignored: the panel times samples by when it read them).
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") return `${name} has no value`;
  const value = parseSampleValue(rest[0] as string);
  if (value === undefined) return `${name}'s value "${rest[0]}" is not a number`;
  return { name, labels, value };
}

export function parsePrometheusText(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1] as string, type[2] as string);
      continue;
    }
    const sample = parseSampleLine(line);
    if (typeof sample === "string") problems.push(`line ${index + 1}: ${sample}`);
    else samples.push(sample);
  }
  return { samples, types, problems };
}
