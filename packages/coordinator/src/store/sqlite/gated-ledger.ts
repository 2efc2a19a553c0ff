// The HTTP thread's handle on the coordinator's ledger, behind the read gate (read-gate.ts): the
// ledger reads the same SQLite file on a connection of its own, so a record it hands out waits, like
// every other read, until the commit that wrote it is durable. Checkpoints are signed by the engine
// only once what they cover is durable (GroupCommit.exclusive), so they need no gate of their own.
import type { Ledger } from "@pithead/ledger";
import type { ReadGate } from "./read-gate.ts";

export function gateLedger(ledger: Ledger, gate: ReadGate): Ledger {
  const settled = async <T>(read: Promise<T>): Promise<T> => {
    const value = await read;
    await gate.after();
    return value;
  };
  async function* each<T>(items: AsyncIterable<T>): AsyncIterable<T> {
    for await (const item of items) {
      await gate.after();
      yield item;
    }
  }
  return {
    // Writes on this handle commit synchronous=FULL (the ledger's own connection): their fsync of the
    // -wal file also covers every commit before them, so what they return (a checkpoint signed over
    // the records it saw) is durable with those records.
    append: (...args) => ledger.append(...args),
    appendBatch: (...args) => ledger.appendBatch(...args),
    checkpoint: (...args) => ledger.checkpoint(...args),
    openWriter: (...args) => ledger.openWriter(...args),
    get: (...args) => settled(ledger.get(...args)),
    read: (...args) => each(ledger.read(...args)),
    lines: (...args) => each(ledger.lines(...args)),
    size: (...args) => settled(ledger.size(...args)),
    partitions: () => settled(ledger.partitions()),
    latestCheckpoint: (...args) => settled(ledger.latestCheckpoint(...args)),
    checkpoints: (...args) => each(ledger.checkpoints(...args)),
    inclusionProof: (...args) => settled(ledger.inclusionProof(...args)),
    consistencyProof: (...args) => settled(ledger.consistencyProof(...args)),
    treeHead: (...args) => settled(ledger.treeHead(...args)),
    verify: (...args) => settled(ledger.verify(...args)),
    // Archiving moves only checkpointed records (durable by then); its reads wait like the others.
    archive: (...args) => ledger.archive!(...args),
    archived: (...args) => settled(ledger.archived!(...args)),
    readArchived: (...args) => each(ledger.readArchived!(...args)),
    damage: (...args) => settled(ledger.damage!(...args)),
    get recovered() {
      return ledger.recovered;
    },
    get verifierKey() {
      return ledger.verifierKey;
    },
    originOf: (partition) => ledger.originOf(partition),
    close: () => ledger.close(),
  };
}
