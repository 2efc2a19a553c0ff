// @pithead/agent/credentials — registration credentials only (no server, no model), so the CLI
// can sign and verify without loading the rest of the agent.

export { isEncryptedKeyfile, type KeyfileJson, pairFromKeyfile, readKeyfile } from "./bittensor-keyfile.ts";
export {
  CredentialsError,
  credentialsMessage,
  formatCredentials,
  type ParsedCredentials,
  parseCredentials,
  SEPARATOR,
} from "./credentials-file.ts";
export { addressOf, KeyError, pairFromMnemonic, pairFromSecret, pairFromSeed, type Sr25519Pair } from "./keypair.ts";
export {
  normalizeApiUrl,
  type SignedCredentials,
  signableMessage,
  signCredentials,
  tokenFingerprint,
  type Verification,
  verifyCredentials,
} from "./sign-verify.ts";
export { describeAge, type SignedAt, signedAtOf } from "./signed-at.ts";
