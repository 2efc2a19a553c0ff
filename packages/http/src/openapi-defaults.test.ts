import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { defineErrors } from "./errors.ts";
import { createHttpServer } from "./server.ts";

describe("the OpenAPI document", () => {
  it("does not call a request field required when the server fills in its default", async () => {
    const app = await createHttpServer({
      name: "demo",
      version: "1.0.0",
      errors: defineErrors({}),
      logger: false,
      docs: { title: "Demo", description: "demo" },
    });
    app.get(
      "/things",
      {
        schema: {
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, default: 50 }),
            kind: Type.String(),
          }),
        },
      },
      async (request) => request.query,
    );
    app.post(
      "/things",
      {
        schema: {
          body: Type.Object({
            name: Type.String(),
            code: Type.String({ default: "FAILED" }),
            inner: Type.Object({ size: Type.Integer({ default: 1 }), colour: Type.String() }),
          }),
        },
      },
      async (request) => request.body,
    );
    await app.ready();
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    const query = document.paths["/things"].get.parameters as { name: string; required: boolean }[];
    expect(Object.fromEntries(query.map((parameter) => [parameter.name, parameter.required]))).toEqual({
      limit: false,
      kind: true,
    });
    const body = document.paths["/things"].post.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["name", "inner"]);
    expect(body.properties.inner.required).toEqual(["colour"]);
    // The server itself still fills the default in.
    const listed = await app.inject({ method: "GET", url: "/things?kind=a" });
    expect(listed.json()).toEqual({ limit: 50, kind: "a" });
    await app.close();
  });
});
