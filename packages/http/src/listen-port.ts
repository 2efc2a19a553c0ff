// A server that cannot listen where it is configured to: which port, why, and what to set instead.
// Node says only "listen EADDRINUSE: address already in use 0.0.0.0:8080".

/** How the server is told where to listen, for the message to name. */
export interface ListenSettings {
  /** The start command whose --port and --host the message names (e.g. "pithead fleet start"). */
  command: string;
  /** Its variables (PORT and HOST unless given). */
  portVariable?: string;
  hostVariable?: string;
}

/** The port could not be had; `code` is the errno (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
export class ListenPortError extends Error {
  readonly code: string;

  constructor(host: string, port: number, code: string, settings: ListenSettings) {
    super(listenPortMessage(host, port, code, settings));
    this.name = "ListenPortError";
    this.code = code;
  }
}

function listenPortMessage(host: string, port: number, code: string, settings: ListenSettings): string {
  const where = `port ${port} on ${host}`;
  const portSetting = `${settings.portVariable ?? "PORT"} (${settings.command} --port)`;
  if (code === "EADDRINUSE")
    return `${where} is already in use by another process: stop what uses it, or set ${portSetting} to another port`;
  if (code === "EACCES") return `${where} needs privileges: set ${portSetting} to a port above 1023`;
  if (code === "EADDRNOTAVAIL")
    return `cannot listen on ${host}: no such address on this machine (${settings.hostVariable ?? "HOST"}, --host)`;
  return `cannot listen on ${host}:${port}: ${code}`;
}

/** A failed listen as ListenPortError when it is about the address, anything else as it is. */
export function listenPortFailure(error: unknown, host: string, port: number, settings: ListenSettings): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && ["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"].includes(code))
    return new ListenPortError(host, port, code, settings);
  return error;
}
