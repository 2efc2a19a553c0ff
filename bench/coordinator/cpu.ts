// CPU time of the processes a side of the benchmark runs on (Linux /proc): wall time alone is
// noisy on a shared machine, CPU seconds per job are not. A process counts with all its threads
// and with its children (a PostgreSQL server's backends, live or already exited).
import { readdirSync, readFileSync } from "node:fs";

/** Linux reports utime/stime in clock ticks of 1/100 s on every mainstream architecture. */
const TICKS_PER_S = 100;

interface Stat {
  ppid: number;
  /** Own CPU seconds (all threads). */
  own: number;
  /** CPU seconds of children it has reaped. */
  reaped: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name may hold spaces or parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const tick = (index: number) => Number(fields[index] ?? 0) / TICKS_PER_S;
  return { ppid: Number(fields[1]), own: tick(11) + tick(12), reaped: tick(13) + tick(14) };
}

function pids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** CPU seconds used so far by `pid`, its threads and its children (recursively). */
export function cpuSeconds(pid: number): number {
  const all = new Map<number, Stat>();
  for (const candidate of pids()) {
    const found = stat(candidate);
    if (found) all.set(candidate, found);
  }
  const total = (id: number, depth: number): number => {
    const self = all.get(id);
    if (!self || depth > 8) return 0;
    let sum = self.own + self.reaped;
    for (const [child, info] of all) if (info.ppid === id) sum += total(child, depth + 1);
    return sum;
  };
  return total(pid, 0);
}

/** The PostgreSQL server (postmaster) listening on `port`, found by its command line. */
export function postmasterOn(port: number): number | undefined {
  for (const pid of pids()) {
    let cmdline: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const at = cmdline.indexOf("-p");
    if (cmdline[0]?.endsWith("/postgres") && at >= 0 && cmdline[at + 1] === String(port)) return pid;
  }
  return undefined;
}

/** CPU seconds this process (the load generator, BullMQ's queue and worker…) has used. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
