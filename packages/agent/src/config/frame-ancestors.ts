// UI_FRAME_ANCESTORS is written into the test console's Content-Security-Policy as is, so it is held
// to CSP Level 3's grammar for frame-ancestors at start: a browser that meets a bad source only logs
// it on every page load and drops it, and a ";" would smuggle in a directive of its own.
//   ancestor-source-list = ancestor-source *( 1*WSP ancestor-source ) / "'none'"
//   ancestor-source      = scheme-source / host-source / "'self'"
//   host-source          = [ scheme-part "://" ] host-part [ ":" port-part ] [ path-part ]
//   host-part            = "*" / [ "*." ] 1*host-char *( "." 1*host-char ) [ "." ]   (host-char: ALPHA DIGIT "-")
// There is no syntax for an IPv6 address ("http://[::1]:*" is refused by Chromium): frame from
// localhost instead.

/**
 * The console's own origin only. The dashboard frames it through its proxy (/svc/agent/ui), which is
 * that origin; allowing every port of localhost let any local web app frame the key field.
 */
export const DEFAULT_FRAME_ANCESTORS = "'self'";

const SCHEME = "[A-Za-z][A-Za-z0-9+.-]*";
const HOST = "(?:\\*|(?:\\*\\.)?[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.?)";
const PORT = "(?:[0-9]+|\\*)";
const PATH = "(?:/[^\\s;,]*)?";
const SCHEME_SOURCE = new RegExp(`^${SCHEME}:$`);
const HOST_SOURCE = new RegExp(`^(?:${SCHEME}://)?${HOST}(?::${PORT})?${PATH}$`);

function sourceProblem(source: string): string | undefined {
  const lower = source.toLowerCase();
  if (lower === "'self'") return undefined;
  if (lower === "'none'") return "'none' must stand alone";
  if (source.startsWith("'")) return `${source} is not allowed in frame-ancestors (only 'self' and 'none' are)`;
  if (SCHEME_SOURCE.test(source) || HOST_SOURCE.test(source)) return undefined;
  if (/\[[0-9a-fA-F:.]*\]/.test(source)) {
    return `${source}: CSP has no syntax for IPv6 addresses (browsers drop it); use http://localhost:* instead`;
  }
  return `${source} is not a CSP source (expected 'self', a scheme like https:, or a host like https://dash.example.com:8443)`;
}

/** What is wrong with a frame-ancestors value, or undefined when browsers take all of it. */
export function frameAncestorsProblem(value: string): string | undefined {
  if (/[;,]/.test(value)) return 'must be one list of sources, without ";" or ","';
  const sources = value.trim().split(/\s+/);
  if (sources.length === 1 && sources[0]?.toLowerCase() === "'none'") return undefined;
  for (const source of sources) {
    const problem = sourceProblem(source);
    if (problem) return problem;
  }
  return undefined;
}
