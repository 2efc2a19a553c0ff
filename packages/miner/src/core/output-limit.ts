// What the miner says when a result is too big to send inline: the size and the coordinator's
// limit, in bytes and MiB, so the operator and the job's client see why it was given back.

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

/** Whether an output of `bytes` can go with its proof, under the limit the coordinator announced. */
export function fitsInline(bytes: number | undefined, maxOutputBytes: number | undefined): boolean {
  return bytes === undefined || maxOutputBytes === undefined || bytes <= maxOutputBytes;
}

/** The fail message of a result over the inline limit (`limit` undefined: the coordinator did not say). */
export function outputTooLargeMessage(bytes: number | undefined, limit: number | undefined): string {
  const size = bytes === undefined ? "the output" : `the output is ${bytes} bytes (${mib(bytes)}), which is`;
  const over =
    limit === undefined
      ? "more than the coordinator accepts with a proof"
      : `over the ${limit} bytes (${mib(limit)}) the coordinator accepts inline (its --max-output-bytes)`;
  return `${size} ${over}: the result cannot be delivered, so the job is given back`;
}
