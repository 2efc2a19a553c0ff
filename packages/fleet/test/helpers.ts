// Wiring shared by the integration tests: an operator over a simulated fleet, a real ledger
// and the fixed market source, all on one manual clock.

import type { HttpServer } from "@pithead/http";
import type { Ledger } from "@pithead/ledger";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import type { ManualClock } from "../src/clock.ts";
import type { OperatorConfig } from "../src/config/types.ts";
import { defaultPolicy, type Policy } from "../src/core/policy.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource } from "../src/market/sources.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import type { Recorder } from "../src/orchestrator/recorder.ts";
import type { SimulatedEndpoint } from "../src/simulator/fleet-simulator.ts";

export function operatorFor(
  id: string,
  miners: SimulatedEndpoint[],
  overrides: Omit<Partial<OperatorConfig>, "policy"> & { policy?: Partial<Policy> } = {},
): OperatorConfig {
  return {
    id,
    label: `Operator ${id}`,
    mode: "AUTO",
    secret: `${id}-secret-0123456789abcdef`,
    dryRun: false,
    miners: miners.map(({ id: minerId, host, port, model }) => ({ id: minerId, host, port, model })),
    site: { energyMicroUsdPerKwh: 40_000, poolFeePpm: 20_000 },
    ...overrides,
    policy: { ...defaultPolicy, ...overrides.policy },
  };
}

export async function controllerFor(
  operator: OperatorConfig,
  recorder: Recorder,
  clock: ManualClock,
  adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } }),
) {
  const source = fixedSource(defaultFixedMarket, () => clock.now());
  const market = new MarketCache({ price: source, network: source, clock });
  return await OperatorController.open({ operator, recorder, adapter, market, clock, concurrency: 64 });
}

/** Starts a fleet server on a free loopback port: its base URL. */
export async function listenLocal(server: {
  listen(options: { host: string; port: number }): Promise<unknown>;
  server: { address(): unknown };
}): Promise<string> {
  await server.listen({ host: "127.0.0.1", port: 0 });
  const address = server.server.address() as { port: number } | null;
  return `http://127.0.0.1:${address?.port ?? 0}`;
}

/** A fleet server over `controllers` that checks signed requests, listening on loopback. */
export async function signedServer(
  controllers: Map<string, OperatorController>,
  ledger: Ledger,
  clock: ManualClock,
): Promise<{ server: HttpServer; base: string }> {
  const auth = { disabled: false, legacyBearer: false, maxSkewMs: 60_000 };
  const server = await createFleetServer({ controllers, ledger, clock, auth, logger: false });
  return { server, base: await listenLocal(server) };
}

/** A recorder that "crashes" (throws `message`) when a batch with a record of `type` is written. */
export function crashingOn(type: string, recorder: Recorder, message = "power cut"): Recorder {
  return {
    append: (...args) => recorder.append(...args),
    appendBatch: async (partition, entries) => {
      if (entries.some((entry) => entry.type === type)) throw new Error(message);
      return await recorder.appendBatch(partition, entries);
    },
    get: (...args) => recorder.get(...args),
    read: (...args) => recorder.read(...args),
    size: (...args) => recorder.size(...args),
  };
}
