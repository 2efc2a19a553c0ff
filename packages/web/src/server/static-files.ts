// Serves the built SPA from dist/: hashed assets cached for a year, index.html never cached and
// answered for every page route (/jobs/<id>, /fleet, …) so a reload or a shared link works. Every
// file goes out under the page's Content-Security-Policy, not only the page routes: /index.html
// itself, or an SVG, opened as a document is a page of this origin too.

import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { HttpServer } from "@pithead/http";
import type { FastifyReply } from "fastify";
import { dashboardErrors } from "./errors.ts";
import { PAGE_CSP } from "./security-headers.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The file under `root` that `urlPath` names, or undefined when it would leave `root`. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`) ? path : undefined;
}

/** A page route of the SPA (no file extension, not an API path): answered with index.html. */
export function isPageRoute(urlPath: string): boolean {
  return extname(urlPath) === "" && !urlPath.startsWith("/svc/") && !urlPath.startsWith("/assets/");
}

/**
 * The build's files are small (the largest, a source map, is about a megabyte): sent whole, with
 * their length. The other headers every answer gets are added by registerBaselineHeaders.
 */
async function sendFile(reply: FastifyReply, file: string, cache: string) {
  return reply
    .type(TYPES[extname(file)] ?? "application/octet-stream")
    .header("cache-control", cache)
    .header("content-security-policy", PAGE_CSP)
    .send(await readFile(file));
}

export function registerStaticFiles(app: HttpServer, distDir: string): void {
  const root = normalize(distDir);
  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    const urlPath = (request.raw.url ?? "/").split("?")[0] ?? "/";
    if (isPageRoute(urlPath)) {
      const index = join(root, "index.html");
      const stat = statSync(index, { throwIfNoEntry: false });
      if (!stat)
        throw dashboardErrors.error(
          "ASSET_NOT_FOUND",
          { path: "index.html" },
          `The dashboard is not built (${index} is missing)`,
        );
      return sendFile(reply, index, "no-cache");
    }
    const file = resolveInside(root, urlPath);
    const stat = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!file || !stat?.isFile()) throw dashboardErrors.error("ASSET_NOT_FOUND", { path: urlPath });
    // Vite names assets by their content hash, so a name never changes meaning.
    const cache = urlPath.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return sendFile(reply, file, cache);
  });
}
