// The test console at GET /ui: TypeScript in packages/agent/ui, its types stripped once at start
// with Node's own stripTypeScriptTypes (no bundler), served as JavaScript. The page is public (the
// user types the key into it). Who may frame it is the CSP frame-ancestors list UI_FRAME_ANCESTORS
// ('self' by default: the dashboard frames it through its proxy, same-origin); X-Frame-Options, for
// browsers without CSP, is sent only when it can say the same ('none' or 'self' alone).

import { readdirSync, readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import type { HttpServer } from "@pithead/http";

const UI_DIR = new URL("../../ui/", import.meta.url);

interface Asset {
  type: string;
  body: string;
}

/**
 * stripTypeScriptTypes is flagged experimental in Node 24 and warns on first use; the warning
 * would be the first line an operator sees at every start, so it is kept off the console.
 */
function stripTypes(source: string): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.includes("stripTypeScriptTypes")) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source, { mode: "strip" });
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function loadUiAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(UI_DIR)) {
    const source = readFileSync(new URL(file, UI_DIR), "utf8");
    if (file.endsWith(".ts")) {
      assets.set(file, {
        type: "text/javascript; charset=utf-8",
        body: stripTypes(source),
      });
    } else if (file.endsWith(".css")) {
      assets.set(file, { type: "text/css; charset=utf-8", body: source });
    } else if (file === "index.html") {
      assets.set(file, { type: "text/html; charset=utf-8", body: source });
    }
  }
  return assets;
}

/** The X-Frame-Options that says what `frameAncestors` says, when one can. */
export function frameOptionsFor(frameAncestors: string): string | undefined {
  const value = frameAncestors.trim().toLowerCase();
  return value === "'none'" ? "DENY" : value === "'self'" ? "SAMEORIGIN" : undefined;
}

export function registerUiRoutes(app: HttpServer, frameAncestors: string): void {
  const assets = loadUiAssets();
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
  const frameOptions = frameOptionsFor(frameAncestors);
  const send = (name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new Error(`UI asset ${name} is missing`);
    return asset;
  };
  const routeConfig = { config: { public: true }, schema: { hide: true } };

  app.get("/ui", routeConfig, async (_request, reply) => {
    const page = send("index.html");
    void reply
      .type(page.type)
      .header("content-security-policy", csp)
      .header("cache-control", "no-cache")
      .header("referrer-policy", "no-referrer")
      .header("x-content-type-options", "nosniff");
    if (frameOptions) void reply.header("x-frame-options", frameOptions);
    return reply.send(page.body);
  });
  app.get(
    "/ui/:file",
    { ...routeConfig, schema: { hide: true, params: { type: "object", properties: { file: { type: "string" } } } } },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      // /ui/ → /ui: the page's relative links (ui/app.ts) resolve from /ui.
      if (file === "") return reply.redirect("../ui");
      const asset = file === "index.html" ? undefined : assets.get(file);
      if (!asset) return reply.callNotFound();
      return reply
        .type(asset.type)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .send(asset.body);
    },
  );
}
