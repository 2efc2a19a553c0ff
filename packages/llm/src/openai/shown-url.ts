// A server URL as it may be shown (errors, logs, info()): without user name, password, query or
// fragment, where a key would hide (…/v1?key=…, https://user:secret@host/v1).

export function shownUrl(url: string): string {
  const parsed = URL.parse(url);
  // Not a URL (a typo in a setting): cut what looks like a password or a query all the same.
  if (parsed === null) return url.replace(/\/\/[^/@]*@/, "//***@").replace(/[?#].*$/, "");
  parsed.username = "";
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return parsed.href.replace(/\/+$/, "");
}

/** Whether a URL carries a user name or password (fetch refuses to send such a request). */
export function hasUserinfo(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed !== null && (parsed.username !== "" || parsed.password !== "");
}
