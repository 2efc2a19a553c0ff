// Where `pithead web` sends its server's log. It logs warnings only (a service unreachable, then
// answering again), on stdout among the lines it prints itself (where the dashboard listens, which
// services it fronts): so they are readable lines there, on a terminal as the servers' `start`
// commands show theirs, and off one (a file, the journal) too, with the date, as the miner's text
// log says a line. JSON lines among that text would serve no log shipper. Off a terminal a line
// that cannot be written is dropped and counted (fd-log.ts), never stopping the dashboard.

import { droppedNoticeText } from "../dropped-log-lines.ts";
import { FdLog } from "../fd-log.ts";
import { compactLogLine, serverLogger } from "../server-log.ts";

/** A pino line as the miner's text log says one: `<ISO time> <LEVEL> <message> key=value…`. */
export function datedLogLine(line: string): string {
  let time: unknown;
  try {
    time = (JSON.parse(line) as { time?: unknown }).time;
  } catch {
    return compactLogLine(line);
  }
  // compactLogLine starts with the local HH:MM:SS; a file kept for days needs the date too.
  const at = new Date(typeof time === "number" ? time : Date.now());
  return `${at.toISOString()}${compactLogLine(line).slice("HH:MM:SS".length)}`;
}

export function webLogger(
  level: string,
  stdout: { isTTY?: boolean; fd?: number; write(text: string): unknown } = process.stdout,
): { level: string; stream: { write(line: string): void } } {
  if (stdout.isTTY === true) return serverLogger(level, stdout);
  const out = new FdLog(stdout.fd ?? 1, droppedNoticeText);
  return { level, stream: { write: (line) => out.write(datedLogLine(line)) } };
}
