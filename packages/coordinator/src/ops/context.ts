// What every op needs besides its transaction: the coordinator's policy and its receipt signer.
import type { Receipt, SignedReceipt } from "../core/receipt.ts";

export interface Policy {
  /** The coordinator's cut of each reward, in basis points (100 = 1%). */
  feeBps: number;
  /** A lease lasts this long unless a heartbeat renews it (never past max_runtime_s). */
  leaseTtlS: number;
  /** A miner silent for this long goes offline and its leases expire. */
  heartbeatTimeoutS: number;
  /** No miner holds more jobs at once than this, whatever it asks for. */
  maxInFlightPerMiner: number;
  /** Idempotency keys are remembered this long. */
  idempotencyRetentionS: number;
  /** Outputs of jobs ended longer ago than this are removed by the sweep; 0 (or absent) keeps them. */
  resultRetentionS?: number;
}

export interface ReceiptSigner {
  /** hex SHA-256 of the raw public key */
  keyId: string;
  /** base64 of the raw 32-byte Ed25519 public key */
  publicKey: string;
  publicKeyPem: string;
  sign(receipt: Receipt): SignedReceipt;
}

export interface OpsContext {
  policy: Policy;
  signer: ReceiptSigner;
  /** Since when this process hears miners (core/hearing.ts); absent: always (ops called directly). */
  hearing?: { readonly since: number };
}
