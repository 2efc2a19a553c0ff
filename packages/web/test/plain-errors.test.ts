// Errors a person meets on the dashboard, in words that say what to do. Before: a job id that is no
// job showed "params.id must match format "uuid" (params.id)" with a "Try again" that cannot help,
// and a refused admin key "Unknown or revoked API key", not which key nor that logging in again fixes it.

import { createHttpServer, defineErrors, type HttpServer } from "@pithead/http";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callJson } from "../app/api/http.ts";
import { renderComponent } from "./support/render.ts";

const renderLoadError = (error: unknown) =>
  renderComponent("pages/jobs/job-load-error.tsx", "JobLoadError", { error, onRetry: () => {} });

const ADMIN_KEY = "ph_admin_0123456789ab_c2VjcmV0LXRoYXQtd2FzLXJldm9rZWQ";
const errors = defineErrors({ JOB_NOT_FOUND: { status: 404, message: "No such job" } });
let service: HttpServer;
let base: string;

beforeAll(async () => {
  // The coordinator's way of answering: bearer keys, and a job id that must be a UUID.
  service = await createHttpServer({
    name: "coordinator-like",
    version: "0",
    errors,
    logger: false,
    rateLimit: false,
    metrics: false,
    auth: { resolve: async (token) => (token === "ph_client_aaaaaaaaaaaa_ok" ? { id: "client" } : undefined) as never },
  });
  service.get(
    "/v1/jobs/:id",
    { schema: { params: Type.Object({ id: Type.String({ format: "uuid" }) }) } },
    async () => {
      throw errors.error("JOB_NOT_FOUND");
    },
  );
  base = await service.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await service?.close();
});

const failure = (path: string, key: string) =>
  callJson("coordinator", `${base}${path}`, { headers: { authorization: `Bearer ${key}` } }).then(
    () => undefined,
    (error: unknown) => error,
  );

describe("the job page for an id that is no job", () => {
  it("says it is not a job id and offers the jobs list, not Try again", async () => {
    const error = await failure("/v1/jobs/nonexistent-id", "ph_client_aaaaaaaaaaaa_ok");
    const html = await renderLoadError(error);
    expect(html).toContain("That is not a job id");
    expect(html).toContain('href="/jobs"');
    expect(html).not.toContain("Try again");
    expect(html).not.toContain("params.id");
    const unknown = await failure("/v1/jobs/019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", "ph_client_aaaaaaaaaaaa_ok");
    const missing = await renderLoadError(unknown);
    expect(missing).toContain("No job with that id");
    expect(missing).not.toContain("Try again");
  });

  it("still offers Try again for a failure that trying again can fix", async () => {
    const html = await renderLoadError(new Error("The dashboard server is not answering"));
    expect(html).toContain("Try again");
  });
});

describe("a refused key", () => {
  it("names the key by its public id and says that logging in again fixes it", async () => {
    const error = (await failure("/v1/jobs/nonexistent-id", ADMIN_KEY)) as Error;
    expect(error.message).toContain("Unknown or revoked API key");
    expect(error.message).toContain("the admin key 0123456789ab was refused");
    expect(error.message).toContain("Log in again");
    expect(error.message).not.toContain("c2VjcmV0");
  });
});
