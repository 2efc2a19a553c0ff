// How a request appears in the log: Fastify's fields, with the values of query parameters that
// may carry a secret replaced. A client that puts a key or a login code in the URL by mistake
// (`POST /session?code=…`) is refused, but the URL would otherwise be written down verbatim.

/** Query parameter names whose values never reach a log line. */
const SECRET_PARAM = /(code|key|token|secret|password|passwd|signature|auth|session)/i;

/**
 * A Pithead API key (`ph_<role>_<id>_<secret>`, see secrets.ts) anywhere in the URL: a user who pastes
 * the key where its id belongs (`DELETE /v1/admin/keys/<the key>`) would otherwise log the secret.
 * The id part stays, so the line still says which key it was.
 */
const API_KEY_IN_URL = /(ph_[a-z]+_[0-9a-f]{12}_)[A-Za-z0-9_-]+/g;

export function redactedUrl(url: string): string {
  return redactedQuery(url.replace(API_KEY_IN_URL, "$1[redacted]"));
}

function redactedQuery(url: string): string {
  const query = url.indexOf("?");
  if (query < 0) return url;
  const params = url
    .slice(query + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is judged as written.
      }
      return equals >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${params.join("&")}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** The `req` serializer of every Pithead server's logger. */
export function requestForLog(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
