// Which records of a verified export no signed checkpoint vouches for, said in the words of the
// ledger library's verifier (ChainVerifier.reportCoverage), so that the dashboard and `pithead
// ledger verify` say the same thing about the same export (test/browser-verify.test.ts holds them
// to it). A tail after the last checkpoint is normal between checkpoints; a server could also have
// forged it, and a ledger whose checkpoints were removed has nothing vouching for any record.

/**
 * The warning for records `covered`..`records`-1, or undefined when a signed checkpoint covers every
 * record. `checkpoints`: how many signed checkpoints held; `keyName`: the key they were checked with.
 */
export function coverageWarning(
  records: number,
  covered: number,
  checkpoints: number,
  keyName: string | null,
): string | undefined {
  if (covered >= records) return undefined;
  if (covered > 0) {
    const one = covered === records - 1;
    const range = one ? `record ${covered} is` : `records ${covered}..${records - 1} are`;
    return `${range} covered by no signed checkpoint yet (the last checkpoint that matched has size ${covered}): normal between checkpoints, but nothing vouches for ${one ? "it" : "them"} until the next one`;
  }
  const why =
    checkpoints === 0
      ? "the ledger has no checkpoints: never made, or removed"
      : `none of its checkpoints both matches the records and is signed by ${keyName}`;
  return records === 1
    ? `record 0 is covered by no signed checkpoint: nothing vouches for it (${why})`
    : `none of the ${records} records is covered by a signed checkpoint: nothing vouches for them (${why})`;
}
