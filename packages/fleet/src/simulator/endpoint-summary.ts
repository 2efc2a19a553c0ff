// One line saying where a simulated fleet listens, true for every addressing: consecutive ports
// (a --base-port) or addresses (hosts mode) are a range; ports the kernel chose are not, so the
// line says so and names the first few instead of a range that would look like one.

import type { SimulatedEndpoint } from "./fleet-simulator.ts";

/** Ports named when they are not a range. */
const NAMED = 3;

function consecutive(ports: number[]): boolean {
  return ports.every((port, i) => port === (ports[0] ?? 0) + i);
}

/** `seeAlso`: where every miner's port is listed, e.g. "GET /miners" or "--json". */
export function describeEndpoints(endpoints: readonly SimulatedEndpoint[], seeAlso: string): string {
  const first = endpoints[0];
  const last = endpoints.at(-1);
  if (!first || !last) return "no simulated miners";
  const count = `${endpoints.length} simulated ${endpoints.length === 1 ? "miner" : "miners"}`;
  const hosts = new Set(endpoints.map((e) => e.host));
  if (hosts.size > 1) {
    const ports = new Set(endpoints.map((e) => e.port));
    const port = ports.size === 1 ? `port ${first.port}` : "ports vary";
    return `${count} on ${first.host} … ${last.host}, ${port}`;
  }
  const ports = endpoints.map((e) => e.port);
  if (endpoints.length === 1) return `${count} on ${first.host}:${first.port}`;
  if (consecutive(ports)) return `${count} on ${first.host}, ports ${first.port}–${last.port}`;
  const named = endpoints
    .slice(0, NAMED)
    .map((e) => `${e.id} :${e.port}`)
    .join(", ");
  const more = endpoints.length > NAMED ? ", …" : "";
  return `${count} on ${first.host}, ports chosen by the kernel (${named}${more}; each in ${seeAlso})`;
}
