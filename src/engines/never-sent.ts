// The one list of transport errors that prove a request never left: the
// connection itself failed (refused, unresolvable, unreachable, not opened in
// time), so the target cannot have acted on it. Every HTTP client peakdrill
// uses (the engine's, the fleets', a target's codec) classifies by this list:
// such an op is `fail`; any other transport error is `info` (maybe applied).
export const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

export function neverSent(code: string | undefined): code is string {
  return code !== undefined && NEVER_SENT_CODES.has(code);
}
