// Public routes: the receipt-signing key (clients verify receipts against it, never against a key
// carried inside a receipt) and a short service description at /.
import type { HttpServer } from "@pithead/http";
import { ReceiptKeyResponse } from "../../schemas/index.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";

export function registerPublicRoutes(app: HttpServer, service: CoordinatorService, version: string): void {
  app.get(
    "/v1/keys/receipts",
    {
      config: { public: true },
      schema: {
        tags: ["public"],
        summary: "The Ed25519 key that signs receipts",
        response: { 200: ReceiptKeyResponse },
      },
    },
    async () => ({
      key_id: service.ctx.signer.keyId,
      public_key: service.ctx.signer.publicKey,
      public_key_pem: service.ctx.signer.publicKeyPem,
      algorithm: "Ed25519" as const,
    }),
  );

  app.get("/", { config: { public: true }, schema: { hide: true } }, async () => ({
    service: "pithead-coordinator",
    version,
    api: "/v1",
    docs: "/docs",
    health: "/health",
    receipt_key: "/v1/keys/receipts",
    ledger_checkpoint: "/v1/ledger/checkpoint",
    auth: "Authorization: Bearer <API_KEY> (create keys with `pithead keys create`)",
  }));
}
