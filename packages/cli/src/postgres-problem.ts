// Why a service could not use the PostgreSQL database it was given, in words that name the setting
// to fix: the driver's own messages ("connect ECONNREFUSED …", "database "x" does not exist") do
// not say which of a command's settings they are about.

const unreachable = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);

interface DriverError {
  code?: string;
  message?: string;
  port?: number;
  hostname?: string;
  address?: string;
}

/**
 * Whether a network error is about `url`'s server (the service may also reach other hosts). An
 * error from the coordinator's engine thread crosses over with its code and message only.
 */
function aboutServer(error: DriverError, message: string, url: URL): boolean {
  const port = Number(url.port || 5432);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (error.port !== undefined) return error.port === port;
  if (error.hostname !== undefined || error.address !== undefined) {
    return error.hostname === host || error.address === host;
  }
  return message.includes(`${host}:${port}`) || message.includes(` ${host}`);
}

/** The sentence for `error` met while opening the database at `url` (set by `setting`), if it is one. */
export function postgresProblem(error: unknown, url: string, setting: string): string | undefined {
  const driver = (error ?? {}) as DriverError;
  const message = driver.message ?? String(error);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  if (driver.code && unreachable.has(driver.code) && aboutServer(driver, message, target)) {
    return `cannot reach the PostgreSQL server in ${setting}: is it running there? (${message})`;
  }
  switch (driver.code) {
    case "28P01":
    case "28000":
      return `the PostgreSQL server in ${setting} refused the login (${message}): check the user and password in the URL`;
    case "3D000": {
      const name = decodeURIComponent(target.pathname.slice(1)) || "the database";
      return `the database in ${setting} does not exist (${message}): create it first, e.g. createdb ${name}`;
    }
    case "42501":
      return `the user in ${setting} may not create the tables it needs (${message}): grant it CREATE on the schema, or start once as the database's owner`;
    default:
      return undefined;
  }
}
