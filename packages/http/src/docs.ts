import swagger, { type FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { documentedSchema } from "./openapi-defaults.ts";

export interface DocsOptions {
  title: string;
  description: string;
  version: string;
  /** Security schemes for the OpenAPI document (e.g. bearer keys). */
  securitySchemes?: NonNullable<NonNullable<FastifyDynamicSwaggerOptions["openapi"]>["components"]>["securitySchemes"];
}

/**
 * The one inline style Swagger UI writes: the colours of its logo's SVG
 * (`.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`), allowed by its hash.
 * Another @fastify/swagger-ui may change it: the browser test of /docs then sees a CSP error.
 */
const SWAGGER_LOGO_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * The docs page's Content-Security-Policy: Swagger UI's scripts, styles and fonts are all files
 * under /docs/static, so nothing inline or from elsewhere runs; its calls ("Try it out") go to
 * this server only; and no other site may frame it (clickjacking a page that holds a typed key).
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${SWAGGER_LOGO_STYLE}`,
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** OpenAPI generated from the route schemas: the UI at /docs, the document at /openapi.json. */
export async function installDocs(app: FastifyInstance, options: DocsOptions): Promise<void> {
  const securitySchemes = options.securitySchemes ?? { bearer: { type: "http" as const, scheme: "bearer" } };
  await app.register(swagger, {
    transform: ({ schema, url }) => ({ schema: documentedSchema(schema), url }),
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
  // staticCSP sets it on every answer under /docs (the plugin's own scope), the page and its files.
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" }, staticCSP: DOCS_CSP });
  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
