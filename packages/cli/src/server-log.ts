// Where `coordinator start`, `agent start` and `fleet start` send their servers' pino log. Stdout
// that is not a terminal (systemd, a pipe, a file) keeps the JSON lines a log shipper reads; on a
// terminal each line becomes one short "HH:MM:SS LEVEL message key=value" line (as the miner
// logs), so the friendly start-up lines are not buried among JSON. Off a terminal the lines go
// through fd-log.ts: a full disk or a closed pipe drops log lines, it never stops the server.

import { FdLog } from "./fd-log.ts";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** Said by every line, or noise on a terminal (the request's socket). */
const OMITTED = new Set([
  "level",
  "time",
  "msg",
  "pid",
  "hostname",
  "name",
  "req.host",
  "req.remotePort",
  "req.remoteAddress",
]);

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[\s="]/.test(text) ? JSON.stringify(text) : text;
}

/** `key=value` pairs, objects one level deep as `req.method=GET`; an error as its message. */
function fields(entry: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (key === "err" && value && typeof value === "object") {
      out.push(`err=${shown((value as { message?: unknown }).message ?? value)}`);
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value))
        if (!OMITTED.has(`${key}.${inner}`) && v !== undefined) out.push(`${key}.${inner}=${shown(v)}`);
    } else if (!OMITTED.has(key) && value !== undefined) out.push(`${key}=${shown(value)}`);
  }
  return out;
}

const two = (n: number) => String(n).padStart(2, "0");

/** One pino JSON line as a terminal shows it (local time); a line that is not JSON as it is. */
export function compactLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const at = new Date(typeof entry.time === "number" ? entry.time : Date.now());
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  return `${[time, level, String(entry.msg ?? ""), ...fields(entry)].filter(Boolean).join(" ")}\n`;
}

/** Requests awaiting their "request completed" line; bounded, a request that never ends is dropped. */
const OPEN_REQUESTS_MAX = 1000;

/**
 * On a terminal, a request is one line, said when it completes ("GET /health 200 (6 ms)"), not
 * Fastify's two (incoming, completed) with ids: keeps the method and url of each incoming one.
 */
export function requestLines(): (line: string) => string {
  const open = new Map<string, string>();
  return (line) => {
    let entry: {
      msg?: unknown;
      reqId?: unknown;
      req?: { method?: string; url?: string };
      res?: { statusCode?: number };
      responseTime?: number;
    };
    try {
      entry = JSON.parse(line);
    } catch {
      return compactLogLine(line);
    }
    const id = String(entry.reqId);
    if (entry.msg === "incoming request" && entry.req) {
      if (open.size >= OPEN_REQUESTS_MAX) open.delete(open.keys().next().value as string);
      open.set(id, `${entry.req.method} ${entry.req.url}`);
      return "";
    }
    if (entry.msg === "request completed" && open.has(id)) {
      const request = open.get(id);
      open.delete(id);
      const ms = typeof entry.responseTime === "number" ? ` (${Math.round(entry.responseTime)} ms)` : "";
      return compactLogLine(
        JSON.stringify({
          ...entry,
          msg: `${request} ${entry.res?.statusCode ?? ""}${ms}`,
          reqId: undefined,
          res: undefined,
          responseTime: undefined,
        }),
      );
    }
    return compactLogLine(line);
  };
}

/** The `logger` option of a server started from the CLI: JSON on stdout, compact lines on a terminal. */
export function serverLogger(
  level: string,
  stdout: { isTTY?: boolean; fd?: number; write(text: string): unknown } = process.stdout,
): { level: string; stream: { write(line: string): void } } {
  if (stdout.isTTY !== true) return { level, stream: new FdLog(stdout.fd ?? 1) };
  // "\r" and erase-line first: a line logged while a spinner is drawn replaces it (it redraws below).
  const format = requestLines();
  const write = (line: string) => {
    const text = format(line);
    if (text) stdout.write(`\r\x1b[2K${text}`);
  };
  return { level, stream: { write } };
}
