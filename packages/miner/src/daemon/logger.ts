// The daemon's log: one line per event, `<ISO time> <LEVEL> <message> key=value…`, on stdout
// where systemd's journal (or the unit's log file) collects it. Nothing secret is ever passed
// in: the API key is not a field of any line.

import type { LogLevel } from "../config/load-config.ts";

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

export function formatLine(time: Date, level: LogLevel, message: string, fields: LogFields = {}): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value as string | number | boolean | null)}`);
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${parts.length ? ` ${parts.join(" ")}` : ""}`;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  now: () => number = Date.now,
): Logger {
  const at = (lineLevel: LogLevel) => (message: string, fields?: LogFields) => {
    if (ORDER[lineLevel] >= ORDER[level]) write(formatLine(new Date(now()), lineLevel, message, fields));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Collects lines in memory (tests assert on what an operator would read). */
export function memoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger(level, (line) => lines.push(line)),
    { lines },
  );
}
