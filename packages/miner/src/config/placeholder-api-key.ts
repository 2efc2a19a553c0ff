// The API_KEY `deploy/install-miner.sh` writes into a new config until the operator sets the key
// `pithead keys create --role miner` printed. No coordinator takes it, so it is named as what it is
// before any coordinator is asked (which would only count it as a failed authentication).

export const PLACEHOLDER_API_KEY = "CHANGE_ME";

export function isPlaceholderApiKey(apiKey: string | undefined): boolean {
  return apiKey?.trim() === PLACEHOLDER_API_KEY;
}

/** What to tell the operator, with where the key is set (`apiKeyOrigin`). */
export function placeholderApiKeyText(origin: string): string {
  return `${origin} is still the installer's placeholder ${PLACEHOLDER_API_KEY}: set it to the miner key \`pithead keys create --role miner\` printed`;
}
