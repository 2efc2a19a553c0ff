// Whether a miner's address can be dialled as written: an IP address or an RFC 1123 host name.
// Shared by the configuration and `pithead fleet probe`, so both refuse the same typos
// ("999.1.1.1", "bad host!") instead of one of them sending them to DNS.

import { isIP } from "node:net";

const hostPattern =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** Digits and dots only ("999.1.1.1", "10.0.0"): meant as an IPv4 address, never a host name (RFC 1123). */
const dottedNumbers = /^[0-9.]+$/;

/** What is wrong with a miner's host, or undefined when it is an IP address or a host name. */
export function minerHostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  if (dottedNumbers.test(host)) return `is not a valid IPv4 address (each part 0-255): ${JSON.stringify(host)}`;
  if (!hostPattern.test(host)) return `is not an IP address or host name: ${JSON.stringify(host)}`;
  return undefined;
}
