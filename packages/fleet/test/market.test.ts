// Market data from small real HTTP servers shaped like CoinGecko and mempool.space.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { marketDivergences } from "../src/core/divergence.ts";
import { defaultPolicy } from "../src/core/policy.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import {
  coinGeckoPrice,
  defaultFixedMarket,
  fixedSource,
  mempoolNetwork,
  mempoolPrice,
} from "../src/market/sources.ts";
import { networkBody, priceBody } from "../src/orchestrator/observe.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

function json(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));

describe("market data sources", () => {
  it("reads a CoinGecko-style price with its source timestamp", async () => {
    const paths: string[] = [];
    const base = await serve((request, response) => {
      paths.push(request.url ?? "");
      json(response, { bitcoin: { usd: 97345.12, last_updated_at: Math.floor(clock.now() / 1000) - 42 } });
    });
    const quote = await coinGeckoPrice(base).fetchPrice(AbortSignal.timeout(2_000));
    expect(quote).toEqual({
      usdPerBtc: "97345.12",
      microUsdPerBtc: 97_345_120_000,
      source: `coingecko ${base}`,
      sourceAt: new Date(clock.now() - 42_000).toISOString(),
    });
    expect(paths).toEqual(["/api/v3/simple/price?ids=bitcoin&vs_currencies=usd&include_last_updated_at=true"]);
  });

  it("reads a mempool-style price", async () => {
    const base = await serve((_, response) => json(response, { time: 1_780_000_000, USD: 101234, EUR: 93000 }));
    expect(await mempoolPrice(base).fetchPrice(AbortSignal.timeout(2_000))).toMatchObject({
      usdPerBtc: "101234",
      microUsdPerBtc: 101_234_000_000,
      sourceAt: new Date(1_780_000_000_000).toISOString(),
    });
  });

  it("reads difficulty, the trailing fee average and the height from mempool-style endpoints", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/api/v1/mining/hashrate/3d")
        json(response, {
          hashrates: [],
          difficulty: [],
          currentHashrate: 8.1e20,
          currentDifficulty: 126411437451912.23,
        });
      else if (request.url === "/api/v1/mining/reward-stats/144")
        json(response, {
          startBlock: 900_000,
          endBlock: 900_143,
          totalReward: "50000000000",
          totalFee: "288000000",
          totalTx: "500000",
        });
      else if (request.url === "/api/blocks/tip/height") json(response, 900_143);
      else json(response, { error: "not found" }, 404);
    });
    const quote = await mempoolNetwork(base).fetchNetwork(AbortSignal.timeout(2_000));
    expect(quote).toMatchObject({
      difficulty: "126411437451912.23",
      feesPerBlockSat: 2_000_000,
      height: 900_143,
      source: `mempool ${base}`,
    });
  });

  it("names the field when a source answers an unexpected shape", async () => {
    const base = await serve((_, response) => json(response, { ethereum: { usd: 3000 } }));
    await expect(coinGeckoPrice(base).fetchPrice(AbortSignal.timeout(2_000))).rejects.toThrow(
      /missing field bitcoin\.usd/,
    );
    const bad = await serve((_, response) => json(response, { bitcoin: { usd: -5 } }));
    await expect(coinGeckoPrice(bad).fetchPrice(AbortSignal.timeout(2_000))).rejects.toThrow(/not a positive number/);
    const html = await serve((_, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<html>rate limited</html>");
    });
    await expect(coinGeckoPrice(html).fetchPrice(AbortSignal.timeout(2_000))).rejects.toThrow(/did not answer JSON/);
  });
});

describe("market cache", () => {
  it("keeps the last good price when the source fails, so it ages into STALE_PRICE at the gate", async () => {
    let up = true;
    let requests = 0;
    const base = await serve((_, response) => {
      requests++;
      if (up) json(response, { bitcoin: { usd: 100000, last_updated_at: Math.floor(clock.now() / 1000) } });
      else json(response, { error: "upstream" }, 502);
    });
    const network = fixedSource({ usdPerBtc: "1", difficulty: "1e14", feesPerBlockSat: 0, height: null }, () =>
      clock.now(),
    );
    const cache = new MarketCache({
      price: coinGeckoPrice(base, () => clock.now()),
      network,
      clock,
      refreshMs: 60_000,
      timeoutMs: 2_000,
    });
    const first = await cache.snapshot();
    expect(first.price).toMatchObject({ error: null, quote: { usdPerBtc: "100000" } });

    // Within the refresh interval the source is not asked again.
    clock.advance(30_000);
    await cache.snapshot();
    expect(requests).toBe(1);

    up = false;
    clock.advance(60_000);
    const failing = await cache.snapshot();
    expect(failing.price.error).toBe(
      `GET ${base}/api/v3/simple/price?ids=bitcoin&vs_currencies=usd&include_last_updated_at=true answered HTTP 502`,
    );
    expect(failing.price.quote?.usdPerBtc).toBe("100000");
    expect(marketDivergences(priceBody(1, failing), networkBody(1, failing), clock.now(), defaultPolicy)).toEqual([]);

    clock.advance(10 * 60_000);
    const stale = await cache.snapshot();
    const findings = marketDivergences(priceBody(2, stale), networkBody(2, stale), clock.now(), defaultPolicy);
    expect(findings).toEqual([
      expect.objectContaining({ code: "STALE_PRICE", blocking: true, detail: "BTC price is 690 s old" }),
    ]);

    up = true;
    clock.advance(1_000);
    expect((await cache.snapshot()).price.error).toBeNull();
  });

  it("an unreachable source and a silent one end in an error, never a hang", async () => {
    const silent = await serve(() => {
      /* never answers */
    });
    const network = fixedSource({ usdPerBtc: "1", difficulty: "1e14", feesPerBlockSat: 0, height: null }, () =>
      clock.now(),
    );
    const slow = await new MarketCache({ price: coinGeckoPrice(silent), network, clock, timeoutMs: 200 }).snapshot();
    expect(slow.price).toEqual({ quote: null, fetchedAt: null, error: "no answer within 200 ms" });
    const closed = await serve(() => {});
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const refused = await new MarketCache({
      price: coinGeckoPrice(closed),
      network,
      clock,
      timeoutMs: 1_000,
    }).snapshot();
    expect(refused.price.error).toContain("ECONNREFUSED");
    expect(
      marketDivergences(priceBody(1, refused), networkBody(1, refused), clock.now(), defaultPolicy)[0],
    ).toMatchObject({ code: "STALE_PRICE", detail: expect.stringContaining("no BTC price available") });
  });
});

describe("one market cache shared by every operator", () => {
  it("two operators starting together over an HTTP source both get the first price (one request)", async () => {
    let requests = 0;
    let answer = () => {};
    const asked = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const base = await serve((_, response) => {
      requests++;
      // Answers only once both cycles are under way: the second asks during the first's fetch.
      void asked.then(() =>
        json(response, { bitcoin: { usd: 100000, last_updated_at: Math.floor(clock.now() / 1000) } }),
      );
    });
    const network = fixedSource(defaultFixedMarket, () => clock.now());
    const market = new MarketCache({ price: coinGeckoPrice(base, () => clock.now()), network, clock });
    await using store = await openTestLedger("sqlite");
    await using simulator = await FleetSimulator.start({ miners: 4, clock, models: ["s19"] });
    const [a, b] = [simulator.endpoints().slice(0, 2), simulator.endpoints().slice(2)];
    const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } });
    const open = (id: string, miners: typeof a) =>
      OperatorController.open({ operator: operatorFor(id, miners), recorder: store.ledger, adapter, market, clock });
    const [one, two] = [await open("op-a", a), await open("op-b", b)];
    const cycles = Promise.all([one.runCycle(), two.runCycle()]);
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    answer();
    const reports = await cycles;
    expect(requests).toBe(1);
    for (const report of reports) {
      expect(report.negativeProofs).toEqual([]);
      expect(report.decisions).toHaveLength(2);
    }
    for (const partition of ["fleet/op-a", "fleet/op-b"]) {
      for await (const record of store.ledger.read(partition, { type: "fleet.price" }))
        expect(record.body).toMatchObject({ available: true, usdPerBtc: "100000", error: null });
    }
  });

  it("a price record without a figure always says why", () => {
    const empty = {
      price: { quote: null, fetchedAt: null, error: null },
      network: { quote: null, fetchedAt: null, error: null },
    };
    expect(priceBody(1, empty)).toMatchObject({ available: false, error: "no answer from the source yet" });
    expect(networkBody(1, empty)).toMatchObject({ available: false, error: "no answer from the source yet" });
    expect(marketDivergences(priceBody(1, empty), networkBody(1, empty), clock.now(), defaultPolicy)).toEqual([
      expect.objectContaining({
        code: "STALE_PRICE",
        detail: "no BTC price available (no answer from the source yet)",
      }),
      expect.objectContaining({
        code: "STALE_NETWORK",
        detail: "no difficulty/fee data available (no answer from the source yet)",
      }),
    ]);
  });
});

describe("a market source whose clock is ahead", () => {
  const policy = { ...defaultPolicy, stalePriceMs: 30_000 };
  const network = fixedSource(defaultFixedMarket, () => clock.now());

  it("a price dated a day ahead is refused (FUTURE_PRICE_TIME), and stays refused when the source then fails", async () => {
    let up = true;
    const base = await serve((_, response) => {
      if (up) json(response, { bitcoin: { usd: 100000, last_updated_at: Math.floor(clock.now() / 1000) + 86_400 } });
      else json(response, { error: "upstream" }, 500);
    });
    const cache = new MarketCache({ price: coinGeckoPrice(base, () => clock.now()), network, clock, refreshMs: 5_000 });
    const first = await cache.snapshot();
    expect(marketDivergences(priceBody(1, first), networkBody(1, first), clock.now(), policy)).toEqual([
      expect.objectContaining({
        code: "FUTURE_PRICE_TIME",
        blocking: true,
        detail: expect.stringContaining("dated 86400 s ahead of this controller's clock"),
        observed: 86_400_000,
        limit: 60_000,
      }),
    ]);
    up = false;
    clock.advance(45_000);
    const later = await cache.snapshot();
    expect(later.price.error).toContain("HTTP 500");
    expect(marketDivergences(priceBody(2, later), networkBody(2, later), clock.now(), policy)).toEqual([
      expect.objectContaining({ code: "FUTURE_PRICE_TIME", blocking: true }),
    ]);
  });

  it("a price dated a little ahead (within the tolerance) is used, and ages from its fetch: never fresh forever", async () => {
    let up = true;
    const base = await serve((_, response) => {
      if (up) json(response, { bitcoin: { usd: 100000, last_updated_at: Math.floor(clock.now() / 1000) + 50 } });
      else json(response, { error: "upstream" }, 500);
    });
    const cache = new MarketCache({ price: coinGeckoPrice(base, () => clock.now()), network, clock, refreshMs: 5_000 });
    const first = await cache.snapshot();
    expect(marketDivergences(priceBody(1, first), networkBody(1, first), clock.now(), policy)).toEqual([]);
    up = false;
    clock.advance(40_000); // 40 s after the fetch, still 10 s before the time the source gave
    const later = await cache.snapshot();
    expect(marketDivergences(priceBody(2, later), networkBody(2, later), clock.now(), policy)).toEqual([
      expect.objectContaining({
        code: "STALE_PRICE",
        blocking: true,
        detail: "BTC price is 40 s old",
        observed: 40_000,
      }),
    ]);
  });
});
