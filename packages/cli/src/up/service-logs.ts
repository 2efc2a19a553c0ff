// Each service of `pithead up` logs to its own file under <data>/logs, so the terminal keeps the
// URLs, keys and progress readable; `tail -f data/logs/coordinator.log` shows the details.

import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";

export type ServiceName = "coordinator" | "agent" | "fleet" | "miner" | "dashboard";

export class ServiceLogs {
  readonly dir: string;
  private readonly streams = new Map<ServiceName, WriteStream>();

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  path(name: ServiceName): string {
    return join(this.dir, `${name}.log`);
  }

  stream(name: ServiceName): WriteStream {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = createWriteStream(this.path(name), { flags: "a", mode: 0o600 });
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
