// Pages that come back through /svc/* would run on the dashboard's origin, whose sessionStorage holds
// the admin key, the fleet secret and the agent key. Only the agent's console, which the dashboard
// frames and hands the key to, may; any other answer is kept from running there (an opaque origin),
// and a browser sent to a service's page is told to open it at the service's own address.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PagesSetup, startPagesSetup } from "./support/page-services.ts";

let setup: PagesSetup;

/** What Chromium sends when it loads a page into a tab or a frame. */
const navigation = (dest: "document" | "iframe") => ({
  "sec-fetch-dest": dest,
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "same-origin",
  accept: "text/html",
});

/** Each policy of a response's Content-Security-Policy headers (Fetch joins them with ", "). */
const policies = (response: Response) =>
  (response.headers.get("content-security-policy") ?? "")
    .split(",")
    .map((policy) => policy.trim())
    .filter(Boolean);

beforeAll(async () => {
  setup = await startPagesSetup();
});

afterAll(async () => {
  await setup?.close();
});

describe("a service's JSON through the proxy", () => {
  it("comes back as the service sent it", async () => {
    const direct = await fetch(`${setup.coordinatorUrl}/v1/thing?x=1`);
    const proxied = await fetch(`${setup.dashboard.url}/svc/coordinator/v1/thing?x=1`);
    expect(proxied.status).toBe(direct.status);
    expect(proxied.headers.get("content-type")).toBe(direct.headers.get("content-type"));
    expect(await proxied.json()).toEqual(await direct.json());
  });
});

describe("a service's pages through the proxy", () => {
  it("run in an opaque origin and cannot be framed: the OpenAPI UI, an untyped body, an SVG", async () => {
    for (const path of ["/svc/coordinator/docs", "/svc/coordinator/untyped", "/svc/coordinator/image.svg"]) {
      const response = await fetch(`${setup.dashboard.url}${path}`);
      expect(response.status, path).toBe(200);
      const sandbox = policies(response).find((policy) => /(^|;)\s*sandbox\b/.test(policy));
      expect(sandbox, path).toBeDefined();
      // Without allow-same-origin the page gets an origin of its own: no access to the tab's keys.
      expect(sandbox, path).not.toContain("allow-same-origin");
      expect(sandbox, path).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("are refused to a browser that navigates to one, which is told the service's own address", async () => {
    for (const dest of ["document", "iframe"] as const) {
      const response = await fetch(`${setup.dashboard.url}/svc/coordinator/docs`, { headers: navigation(dest) });
      expect(response.status, dest).toBe(403);
      const body = (await response.json()) as {
        error: { code: string; message: string; details: { service: string; url: string } };
      };
      expect(body.error.code).toBe("PAGE_NOT_PROXIED");
      expect(body.error.details).toMatchObject({ service: "coordinator", url: `${setup.coordinatorUrl}/docs` });
      expect(body.error.message).toContain(`${setup.coordinatorUrl}/docs`);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
    // The agent's other pages are no exception.
    const agentDocs = await fetch(`${setup.dashboard.url}/svc/agent/docs`, { headers: navigation("document") });
    expect(agentDocs.status).toBe(403);
  });
});

describe("the agent's console through the proxy", () => {
  it("is served to the dashboard's own frame, same-origin, and framed by the dashboard only", async () => {
    const response = await fetch(`${setup.dashboard.url}/svc/agent/ui`, { headers: navigation("iframe") });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<input id="api-key"');
    const all = policies(response);
    expect(all.some((policy) => /(^|;)\s*sandbox\b/.test(policy))).toBe(false);
    // The agent's own list allowed every localhost port; the proxy's policy narrows it to this origin.
    expect(all).toContain("frame-ancestors 'self'");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("opened in a tab of its own, sends the tab to the Agent page, where the console is framed", async () => {
    // Alone in a tab it would hear no "Forget keys" from the dashboard's other tabs and keep its key.
    const response = await fetch(`${setup.dashboard.url}/svc/agent/ui`, {
      headers: navigation("document"),
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/agent");
    expect(response.headers.get("cache-control")).toBe("no-store");
    // Its scripts and styles are no pages: the frame still loads them.
    const script = await fetch(`${setup.dashboard.url}/svc/agent/ui/app.js`, {
      headers: { "sec-fetch-dest": "script", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin" },
    });
    expect(script.status).toBe(200);
  });
});
