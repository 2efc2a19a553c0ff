import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { describeErrorBody } from "../app/api/http.ts";
import {
  type ConnectionBundle,
  generateLoginCode,
  loginCodeMatches,
  type RunningDashboard,
  startDashboard,
} from "../src/index.ts";

const dist = mkdtempSync(join(tmpdir(), "pithead-web-session-"));
const bundle: ConnectionBundle = {
  coordinator: {
    url: "http://127.0.0.1:8080",
    adminKey: "ph_admin_x",
    clientKey: "ph_client_y",
    clientWallet: "wallet-1",
  },
  fleet: { url: "http://127.0.0.1:3001", operators: [{ id: "default", secret: "s3cret-s3cret-s3cret" }] },
  agent: { url: "http://127.0.0.1:8001", apiKey: "agent-key" },
};
let dashboard: RunningDashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

afterAll(() => rmSync(dist, { recursive: true, force: true }));

async function start(login?: { code: string; bundle: ConnectionBundle }, attemptsPerMinute?: number) {
  dashboard = await startDashboard({
    distDir: dist,
    port: 0,
    logger: false,
    upstreams: { coordinator: "http://127.0.0.1:8080", agent: "http://127.0.0.1:8001/" },
    login,
    loginAttemptsPerMinute: attemptsPerMinute,
  });
  return dashboard.url;
}

const post = (url: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`${url}/session`, { method: "POST", headers, body });

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;

describe("login codes", () => {
  it("are eight characters without look-alikes, typed in any case and with or without the dash", () => {
    const code = generateLoginCode();
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(loginCodeMatches(code.toLowerCase().replace("-", " "), code)).toBe(true);
    expect(loginCodeMatches(`${code}X`, code)).toBe(false);
  });
});

describe("GET /session", () => {
  it("says which services are behind the dashboard and whether a login code is set, never the keys", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const response = await fetch(`${url}/session`);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      loginCode: true,
      services: { coordinator: { url: "http://127.0.0.1:8080" }, fleet: null, agent: { url: "http://127.0.0.1:8001" } },
    });
    expect(text).not.toContain("ph_admin_x");
  });
});

describe("POST /session", () => {
  it("trades the right code for the connection bundle, uncached", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const response = await post(url, JSON.stringify({ code: "abcd efgh" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual(bundle);
  });

  // Before: "That login code is not the one `pithead up` printed (body.code)" on the page: raw
  // backticks, a field path, and nothing for a stack whose output went to a file.
  it("refuses a wrong code in plain words that say where the code is", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const response = await post(url, JSON.stringify({ code: "ABCD-EFGX" }));
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe("LOGIN_CODE_WRONG");
    const shown = describeErrorBody(401, { error }, "").message;
    expect(shown).toContain("the code pithead up printed");
    expect(shown).toContain("login-code");
    expect(shown).not.toMatch(/[`()]|body\.code/);
  });

  it("accepts only JSON, so a cross-site form cannot post a guess", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const plain = await post(url, '{"code":"ABCD-EFGH"}', { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
    const form = await post(url, "code=ABCD-EFGH", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect((await errorOf(form)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses a request made by another site's page", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const foreign = await post(url, JSON.stringify({ code: "ABCD-EFGH" }), {
      "content-type": "application/json",
      origin: "http://evil.example",
    });
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe("CROSS_ORIGIN");
    const fetchMetadata = await post(url, JSON.stringify({ code: "ABCD-EFGH" }), {
      "content-type": "application/json",
      "sec-fetch-site": "cross-site",
    });
    expect(fetchMetadata.status).toBe(403);
    const sameOrigin = await post(url, JSON.stringify({ code: "ABCD-EFGH" }), {
      "content-type": "application/json",
      origin: url,
      "sec-fetch-site": "same-origin",
    });
    expect(sameOrigin.status).toBe(200);
  });

  it("validates the body and names the field", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle });
    const response = await post(url, JSON.stringify({ kode: "ABCD-EFGH" }));
    expect(response.status).toBe(422);
    expect(JSON.stringify(await errorOf(response))).toContain("code");
  });

  it("limits guesses per address, and says how long to wait", async () => {
    const url = await start({ code: "ABCD-EFGH", bundle }, 3);
    for (let i = 0; i < 3; i++) expect((await post(url, JSON.stringify({ code: "WRONG-CODE" }))).status).toBe(401);
    const limited = await post(url, JSON.stringify({ code: "ABCD-EFGH" }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await errorOf(limited)).message).toContain("Too many login attempts");
  });

  it("explains that keys go on the Connections page when the dashboard has no code", async () => {
    const url = await start();
    const response = await post(url, JSON.stringify({ code: "ABCD-EFGH" }));
    expect(response.status).toBe(404);
    expect((await errorOf(response)).message).toContain("Connections");
  });
});
