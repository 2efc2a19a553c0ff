// Each service of `pithead up` logs to its own file under <data>/logs, so the terminal keeps the
// URLs, keys and progress readable; `tail -f data/logs/coordinator.log` shows the details. Each
// file rotates by size (see rotating-log.ts), so a stack left running does not fill the disk. On a
// full disk a line is dropped and counted, and said once space is back ("N log lines dropped").

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { droppedNoticeText } from "../dropped-log-lines.ts";
import { RotatingLog } from "./rotating-log.ts";

/** Per service: the current file up to 16 MiB, and three older ones. */
export const LOG_ROTATION = { maxBytes: 16 * 1024 * 1024, keep: 3 };

export type ServiceName = "coordinator" | "agent" | "fleet" | "miner" | "dashboard";

export class ServiceLogs {
  readonly dir: string;
  private readonly streams = new Map<ServiceName, RotatingLog>();
  readonly #rotation: { maxBytes: number; keep: number };

  constructor(dir: string, rotation = LOG_ROTATION) {
    this.dir = dir;
    this.#rotation = rotation;
  }

  path(name: ServiceName): string {
    return join(this.dir, `${name}.log`);
  }

  stream(name: ServiceName): RotatingLog {
    let stream = this.streams.get(name);
    if (!stream) {
      // Made with the first log, not before: a start refused up front leaves no logs/ behind.
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      stream = new RotatingLog(this.path(name), {
        ...this.#rotation,
        // The miner's log is text lines (its daemon's format), the servers' are pino JSON lines.
        ...(name === "miner" ? { notice: droppedNoticeText } : {}),
      });
      this.streams.set(name, stream);
    }
    return stream;
  }

  /** A line writer (the miner's logger takes one). */
  lines(name: ServiceName): (line: string) => void {
    const stream = this.stream(name);
    return (line) => stream.write(`${line}\n`);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
    this.streams.clear();
  }
}
