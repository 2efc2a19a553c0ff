// Wall and CPU time of one phase of a cycle. CPU time (process.cpuUsage: user + system, all
// threads) is what a busy machine cannot inflate by making the phase wait for a core.

export interface Spent {
  wallMs: number;
  cpuMs: number;
}

export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export function phaseTimer(): { stop(): Spent } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return { stop: () => ({ wallMs: performance.now() - wall, cpuMs: cpuMsSince(cpu) }) };
}

export function addSpent(a: Spent, b: Spent): Spent {
  return { wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs };
}
