// The signed credentials file of the reference's encrypt.py, which the registration portal reads:
//
//   {api_url}<seperate>{token}
//   \tSigned by: {ss58 address}
//   \tSignature: {128 hex chars}
//   \tTimestamp: {ISO time} ({timezone})
//
// "<seperate>" is misspelled on purpose: it is what the portal splits on. Only the first line is
// signed; the timestamp is informational (some portals want only the first three lines).

export const SEPARATOR = "<seperate>";

export class CredentialsError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "CredentialsError";
    this.field = field;
  }
}

/** The signed message, refusing inputs that would make the file ambiguous. */
export function credentialsMessage(apiUrl: string, token: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new CredentialsError("api_url", `api_url must be an http(s) URL, got "${apiUrl}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CredentialsError("api_url", `api_url must be an http(s) URL, got "${apiUrl}"`);
  }
  if (/\s/.test(apiUrl) || apiUrl.includes(SEPARATOR)) {
    throw new CredentialsError("api_url", "api_url must not contain whitespace or <seperate>");
  }
  if (token === "") throw new CredentialsError("token", "token must not be empty");
  if (/[\r\n]/.test(token) || token.includes(SEPARATOR)) {
    throw new CredentialsError("token", "token must not contain a line break or <seperate>");
  }
  return `${apiUrl}${SEPARATOR}${token}`;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** Python's datetime.now().isoformat(): local time, microseconds only when not zero. */
export function pythonIsoformat(date: Date): string {
  const base =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const ms = date.getMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}

export interface CredentialsFile {
  message: string;
  address: string;
  /** 128 lowercase hex characters (64 bytes), no 0x. */
  signature: string;
  timestamp?: string;
}

export function formatCredentials(file: CredentialsFile): string {
  const lines = [file.message, `\tSigned by: ${file.address}`, `\tSignature: ${file.signature}`];
  if (file.timestamp !== undefined) lines.push(`\tTimestamp: ${file.timestamp}`);
  return `${lines.join("\n")}\n`;
}

export interface ParsedCredentials extends CredentialsFile {
  apiUrl: string;
  token: string;
}

/**
 * Reads a credentials file as written above; tolerant of what copy and paste does to it
 * (CRLF, spaces instead of the tab, blank lines around, "0x" before the signature).
 */
export function parseCredentials(text: string): ParsedCredentials {
  const lines = text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+$/, ""))
    .filter((line) => line.trim() !== "");
  const [message, ...rest] = lines;
  if (message === undefined) throw new CredentialsError("message", "the file is empty");
  const at = message.indexOf(SEPARATOR);
  if (at < 0) throw new CredentialsError("message", `the first line must be <api_url>${SEPARATOR}<token>`);
  const field = (label: string) => {
    const line = rest.find((candidate) => candidate.trimStart().startsWith(`${label}:`));
    return line
      ?.trimStart()
      .slice(label.length + 1)
      .trim();
  };
  const address = field("Signed by");
  if (!address) throw new CredentialsError("signed_by", 'missing the "Signed by: <ss58 address>" line');
  const rawSignature = field("Signature");
  if (!rawSignature) throw new CredentialsError("signature", 'missing the "Signature: <hex>" line');
  const signature = rawSignature.replace(/^0x/i, "").toLowerCase();
  if (!/^[0-9a-f]{128}$/.test(signature)) {
    throw new CredentialsError("signature", "the signature must be 128 hex characters (64 bytes)");
  }
  return {
    message: message.trim(),
    apiUrl: message.slice(0, at).trim(),
    token: message.slice(at + SEPARATOR.length).trim(),
    address,
    signature,
    timestamp: field("Timestamp"),
  };
}
