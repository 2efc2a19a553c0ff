import swagger, { type FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

export interface DocsOptions {
  title: string;
  description: string;
  version: string;
  /** Security schemes for the OpenAPI document (e.g. bearer keys). */
  securitySchemes?: NonNullable<NonNullable<FastifyDynamicSwaggerOptions["openapi"]>["components"]>["securitySchemes"];
}

/** OpenAPI generated from the route schemas: the UI at /docs, the document at /openapi.json. */
export async function installDocs(app: FastifyInstance, options: DocsOptions): Promise<void> {
  const securitySchemes = options.securitySchemes ?? { bearer: { type: "http" as const, scheme: "bearer" } };
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, description: options.description, version: options.version },
      components: { securitySchemes },
      security: Object.keys(securitySchemes).map((name) => ({ [name]: [] })),
    },
  });
  // The UI's own routes (assets, JSON) are public like the page itself.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs")) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
