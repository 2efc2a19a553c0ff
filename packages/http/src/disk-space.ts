// Free space where a server keeps its data: in /health and as a gauge, so a monitor warns before
// the disk fills (a full disk stops every write: 507 STORAGE_FULL).
import { statfsSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { Gauge } from "prom-client";

/** Bytes an unprivileged process can still write under `dir`; undefined if it cannot be read. */
export function diskFreeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** Registers `<prefix>_data_disk_free_bytes` (read at each scrape) on the server's registry. */
export function installDiskSpaceGauge(app: FastifyInstance, prefix: string, dir: string): void {
  new Gauge({
    name: `${prefix}_data_disk_free_bytes`,
    help: "Free bytes on the filesystem of the data directory",
    registers: [app.metrics],
    collect() {
      const free = diskFreeBytes(dir);
      if (free !== undefined) this.set(free);
    },
  });
}
