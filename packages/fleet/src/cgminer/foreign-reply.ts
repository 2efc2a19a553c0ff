// Something answered on the miner's address, but not a CGMiner API: a web server (the miner's own
// web UI on port 80, a proxy), an SSH server (port 22: its banner comes first, and it then closes
// on our JSON, which read as a malformed reply) or a service that echoes what it is sent. Said for what it is, at
// once, rather than as a malformed reply or a timeout (an echo never ends with the NUL a
// CGMiner reply ends with, and never closes).

/** Why `received` (the reply so far, no NUL in it yet) is not from a CGMiner API; undefined when it may be. */
export function foreignReply(received: Buffer, request: string): string | undefined {
  if (received.length >= 5 && received.toString("latin1", 0, 5) === "HTTP/")
    return "answered HTTP: not a CGMiner API (is this the web UI port? the API is on 4028)";
  if (received.length >= 4 && received.toString("latin1", 0, 4) === "SSH-")
    return "answered as an SSH server: not a CGMiner API (is this the SSH port? the API is on 4028)";
  if (received.length === Buffer.byteLength(request) && received.toString("utf8") === request)
    return "echoed the request back: not a CGMiner API";
  return undefined;
}
