// Which API keys the agent accepts: one rule for `agent start` (load-config.ts) and for
// `credentials sign`, which must not publish a key the agent would refuse to run with.

const PLACEHOLDER_KEYS = new Set(["your-secure-random-api-key-here", "your-secure-api-key", "changeme"]);

/**
 * The shortest API_KEY accepted (the fleet's floor for its secrets). The key is all that guards a
 * paid model and the conversations on a port the orchestrator reaches from the internet; the
 * reference's `secrets.token_urlsafe(32)` and `pithead agent new-key` make 43 characters.
 */
export const MIN_API_KEY_LENGTH = 16;

/** Why the agent refuses a (non-empty) key, or undefined when it takes it. */
export function apiKeyProblem(key: string): string | undefined {
  if (PLACEHOLDER_KEYS.has(key)) return "is still the example placeholder: set a random secret of your own";
  if (key.length < MIN_API_KEY_LENGTH) {
    return `must be at least ${MIN_API_KEY_LENGTH} characters (got ${key.length}): a short key can be guessed. make one with \`npx pithead agent new-key\``;
  }
  return undefined;
}
