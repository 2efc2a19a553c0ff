// Market data from small real HTTP servers shaped like CoinGecko and mempool.space.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { marketDivergences } from "../src/core/divergence.ts";
import { defaultPolicy } from "../src/core/policy.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { coinGeckoPrice, fixedSource, mempoolNetwork, mempoolPrice } from "../src/market/sources.ts";
import { networkBody, priceBody } from "../src/orchestrator/observe.ts";

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
