// Appending inside an open PostgreSQL transaction. The partition's head row is locked with
// SELECT … FOR UPDATE until the caller's transaction ends: that row lock is the one-writer rule when
// several service processes share one database (each appends in its own transactions; they queue on
// the row, never interleave). A standalone Ledger takes the same row lock, plus an advisory lock.
import type pg from "pg";
import { checkBatchCitations, citedOutsideBatch, LedgerHeadMovedError } from "./batch-citations.ts";
import { type ChainExtension, type ChainHead, emptyHead, extendChain } from "./chain.ts";
import { type PreparedEntry, prepareEntry } from "./entry.ts";
import { ZERO_HASH_HEX } from "./hash.ts";
import { type Json, LedgerValueError } from "./json.ts";
import { Frontier } from "./merkle.ts";
import { assertPartition } from "./partition.ts";
import type { StoredRecord } from "./record.ts";

type Client = Pick<pg.ClientBase, "query">;

export interface HeadRow {
  size: string;
  head: Buffer;
  frontier: Buffer;
}

/** A head row as read by `headLockStatement` (no row yet: the empty head). */
export function headFromRow(row: HeadRow | undefined): ChainHead {
  if (!row) return emptyHead(new Frontier());
  const size = Number(row.size);
  return {
    size,
    head: size === 0 ? ZERO_HASH_HEX : row.head.toString("hex"),
    frontier: Frontier.fromBytes(size, row.frontier),
  };
}

/** The partition head, locked until the end of the transaction (the row is created if missing). */
export async function lockPostgresHead(client: Client, partition: string): Promise<ChainHead> {
  const select = "SELECT size, head, frontier FROM ledger_heads WHERE partition = $1 FOR UPDATE";
  let rows = (await client.query<HeadRow>(select, [partition])).rows;
  if (rows.length === 0) {
    await client.query(
      "INSERT INTO ledger_heads (partition, size, head, frontier) VALUES ($1, 0, $2, '') ON CONFLICT (partition) DO NOTHING",
      [partition, Buffer.alloc(32)],
    );
    rows = (await client.query<HeadRow>(select, [partition])).rows;
  }
  return headFromRow(rows[0]);
}

/**
 * The statement that locks and reads a partition's head, as plain text (the partition is checked, so
 * it is safe as a literal): a caller can send it in one round trip with other statements (BEGIN, its
 * own locks) and hand the row to `headFromRow`. No row yet means the partition is empty and its row has
 * not been created: use lockPostgresHead then.
 */
export function headLockStatement(partition: string): string {
  assertPartition(partition);
  return `SELECT size, head, frontier FROM ledger_heads WHERE partition = '${partition}' FOR UPDATE`;
}

export async function readPostgresHead(client: Client, partition: string): Promise<ChainHead> {
  const { rows } = await client.query<HeadRow>("SELECT size, head, frontier FROM ledger_heads WHERE partition = $1", [
    partition,
  ]);
  return headFromRow(rows[0]);
}

export async function checkCitationsPostgres(
  client: Client,
  partition: string,
  entries: readonly PreparedEntry[],
  size: number,
): Promise<void> {
  for (const entry of entries) {
    for (const [j, cite] of entry.cites.entries()) {
      const path = `body.cites[${j}]`;
      if ("seq" in cite) {
        if (cite.seq >= size)
          throw new LedgerValueError(path, `cites record ${cite.seq}, but the partition has only ${size} records`);
      } else {
        const { rowCount } = await client.query("SELECT 1 FROM ledger_records WHERE partition = $1 AND hash = $2", [
          partition,
          Buffer.from(cite.hash, "hex"),
        ]);
        if (!rowCount)
          throw new LedgerValueError(path, `cites hash ${cite.hash}, which is no record of partition ${partition}`);
      }
    }
  }
}

/** Appends entries after `head` (already locked by this transaction). */
export async function appendEntriesPostgres(
  client: Client,
  partition: string,
  head: ChainHead,
  entries: readonly PreparedEntry[],
): Promise<StoredRecord[]> {
  const ext = extendChain(head, entries);
  await client.query(
    `INSERT INTO ledger_records (partition, seq, hash, type, line)
     SELECT $1, s, decode(h, 'hex'), t, l FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS u(s, h, t, l)`,
    [
      partition,
      ext.records.map((r) => r.seq),
      ext.records.map((r) => r.hash),
      ext.records.map((r) => r.type),
      ext.lines,
    ],
  );
  if (ext.nodes.length > 0) {
    await client.query(
      `INSERT INTO ledger_nodes (partition, level, idx, hash)
       SELECT $1, lv, ix, decode(h, 'hex') FROM unnest($2::int[], $3::bigint[], $4::text[]) AS u(lv, ix, h)`,
      [
        partition,
        ext.nodes.map((n) => n.level),
        ext.nodes.map((n) => n.index),
        ext.nodes.map((n) => n.hash.toString("hex")),
      ],
    );
  }
  await client.query("UPDATE ledger_heads SET size = $2, head = $3, frontier = $4 WHERE partition = $1", [
    partition,
    ext.head.size,
    Buffer.from(ext.head.head, "hex"),
    ext.head.frontier.toBytes(),
  ]);
  return ext.records;
}

/**
 * Appends one record inside the caller's open transaction (after BEGIN), so a service's state change
 * and its ledger record commit or roll back together. Concurrent callers on the same partition wait
 * for each other's COMMIT on the partition's head row. A failure here rolls back only this append.
 */
export async function appendInPostgresTransaction(
  client: pg.ClientBase,
  partition: string,
  type: string,
  body: Json,
  at?: Date,
): Promise<StoredRecord> {
  assertPartition(partition);
  const entry = prepareEntry(type, body, at);
  try {
    await client.query("SAVEPOINT ledger_append");
  } catch (error) {
    if ((error as { code?: string }).code === "25P01") {
      throw new Error("appendInPostgresTransaction must run inside the caller's transaction (BEGIN first)");
    }
    throw error;
  }
  try {
    const head = await lockPostgresHead(client, partition);
    if (entry.cites.length > 0) await checkCitationsPostgres(client, partition, [entry], head.size);
    const [record] = await appendEntriesPostgres(client, partition, head, [entry]);
    await client.query("RELEASE SAVEPOINT ledger_append");
    return record!;
  } catch (error) {
    await client.query("ROLLBACK TO SAVEPOINT ledger_append");
    await client.query("RELEASE SAVEPOINT ledger_append");
    throw error;
  }
}

/** The number of records of a partition (the seq its next record gets), as this transaction sees it. */
export async function postgresLedgerSize(client: Client, partition: string): Promise<number> {
  assertPartition(partition);
  const { rows } = await client.query<{ size: string }>("SELECT size FROM ledger_heads WHERE partition = $1", [
    partition,
  ]);
  return rows[0] ? Number(rows[0].size) : 0;
}

// Records, tree nodes and the new head in one statement (one round trip, whatever the batch size).
const WRITE_BATCH = `
  WITH records AS (
    INSERT INTO ledger_records (partition, seq, hash, type, line)
    SELECT $1, s, decode(h, 'hex'), t, l FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS u(s, h, t, l)
  ), nodes AS (
    INSERT INTO ledger_nodes (partition, level, idx, hash)
    SELECT $1, lv, ix, decode(h, 'hex') FROM unnest($6::int[], $7::bigint[], $8::text[]) AS u(lv, ix, h)
  )
  UPDATE ledger_heads SET size = $9, head = $10, frontier = $11 WHERE partition = $1`;

/**
 * Appends a batch of entries (from prepareLedgerEntry) inside the caller's open transaction: the
 * head row is locked and read once, the batch is chained and hashed in memory, and records, tree
 * nodes and the new head are written in one statement. An entry may cite records already stored and
 * entries before it in the batch. With `firstSeq`, the batch is refused unless the partition's next
 * seq is exactly that. Bad citations and a moved head are refused before anything is written (the
 * transaction stays usable); if the write itself fails, the transaction is aborted, as after any
 * failed statement on PostgreSQL, and the caller rolls it back.
 */
export async function appendBatchInPostgresTransaction(
  client: Client,
  partition: string,
  entries: readonly PreparedEntry[],
  options: { firstSeq?: number } = {},
): Promise<StoredRecord[]> {
  assertPartition(partition);
  if (entries.length === 0) return [];
  const head = await lockPostgresHead(client, partition);
  if (options.firstSeq !== undefined && options.firstSeq !== head.size) {
    throw new LedgerHeadMovedError(partition, options.firstSeq, head.size);
  }
  return (await appendBatchAtLockedHead(client, partition, head, entries)).records;
}

/**
 * A batch's write at a locked head, built without I/O: the statement (named: each connection plans
 * it once), the records and the new head.
 */
export interface BatchWrite {
  name: string;
  text: string;
  values: unknown[];
  records: StoredRecord[];
  head: ChainHead;
}

/**
 * The statement that writes `entries` at `head` (locked by this transaction), built without I/O, so a
 * pipelining caller can send it and COMMIT behind it at once. Throws on a bad citation; undefined
 * when an entry cites a record by hash from outside the batch, which needs a read first (use
 * appendBatchAtLockedHead then).
 */
export function batchWriteAtLockedHead(
  partition: string,
  head: ChainHead,
  entries: readonly PreparedEntry[],
): BatchWrite | undefined {
  assertPartition(partition);
  const ext = extendChain(head, entries);
  if (citedOutsideBatch(entries, ext).length > 0) return undefined;
  checkBatchCitations(entries, ext, new Set(), partition);
  return { ...batchStatement(partition, ext), records: ext.records, head: ext.head };
}

function batchStatement(partition: string, ext: ChainExtension): { name: string; text: string; values: unknown[] } {
  return {
    name: "pithead_ledger_write_batch",
    text: WRITE_BATCH,
    values: [
      partition,
      ext.records.map((record) => record.seq),
      ext.records.map((record) => record.hash),
      ext.records.map((record) => record.type),
      ext.lines,
      ext.nodes.map((node) => node.level),
      ext.nodes.map((node) => node.index),
      ext.nodes.map((node) => node.hash.toString("hex")),
      ext.head.size,
      Buffer.from(ext.head.head, "hex"),
      ext.head.frontier.toBytes(),
    ],
  };
}

/**
 * appendBatchInPostgresTransaction for a caller that already holds the head row's lock in this
 * transaction (it read it with `headLockStatement` or lockPostgresHead): one round trip fewer. Gives
 * the new head back, for the caller's next append in the same transaction.
 */
export async function appendBatchAtLockedHead(
  client: Client,
  partition: string,
  head: ChainHead,
  entries: readonly PreparedEntry[],
): Promise<{ records: StoredRecord[]; head: ChainHead }> {
  assertPartition(partition);
  if (entries.length === 0) return { records: [], head };
  const ext = extendChain(head, entries);
  const outside = citedOutsideBatch(entries, ext);
  const stored = new Set<string>();
  if (outside.length > 0) {
    const { rows } = await client.query<{ hash: string }>(
      "SELECT encode(hash, 'hex') AS hash FROM ledger_records WHERE partition = $1 AND hash = ANY($2::bytea[])",
      [partition, outside.map((hash) => Buffer.from(hash, "hex"))],
    );
    for (const row of rows) stored.add(row.hash);
  }
  checkBatchCitations(entries, ext, stored, partition);
  await client.query(batchStatement(partition, ext));
  return { records: ext.records, head: ext.head };
}
