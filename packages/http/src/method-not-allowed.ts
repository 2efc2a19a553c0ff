// A known path asked with a method it does not serve (PUT /v1/jobs/<id>, GET /v1/miner/heartbeat) is
// 405 with Allow (RFC 9110 §15.5.5), not 404: a 404 tells the client its URL is wrong when only its
// method is. Found from the not-found handler by asking the router which methods match the path, so
// it covers every route of every server, whenever it was registered.
import type { FastifyInstance, HTTPMethods } from "fastify";

/**
 * The methods `url` is served with, in the router's order; empty for a path no route serves.
 * Wildcard routes (the dashboard's "/*" for its pages, the agent's CORS preflight for every path)
 * stand for no one path and are left out, so an unknown path stays 404.
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const allowed: string[] = [];
  for (const method of app.supportedMethods) {
    let found: ReturnType<FastifyInstance["findRoute"]> | null;
    try {
      found = app.findRoute({ method: method as HTTPMethods, url });
    } catch {
      // A path the router cannot read is no route's.
      return [];
    }
    if (found && !("*" in found.params)) allowed.push(method);
  }
  return allowed;
}
