// How a request appears in the log: Fastify's fields, with the values of query parameters that
// may carry a secret replaced. A client that puts a key or a login code in the URL by mistake
// (`POST /session?code=…`) is refused, but the URL would otherwise be written down verbatim.

/** Query parameter names whose values never reach a log line. */
const SECRET_PARAM = /(code|key|token|secret|password|passwd|signature|auth|session)/i;

export function redactedUrl(url: string): string {
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
