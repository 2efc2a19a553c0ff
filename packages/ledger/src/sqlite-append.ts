// Appending inside an open SQLite transaction. The partition's head row is read and rewritten in
// the same transaction as the records, so the chain cannot fork: SQLite's write lock (BEGIN
// IMMEDIATE) serialises every writer of the database, standalone Ledger or service alike.
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { checkBatchCitations, citedOutsideBatch, LedgerHeadMovedError } from "./batch-citations.ts";
import { type ChainHead, emptyHead, extendChain } from "./chain.ts";
import { type PreparedEntry, prepareEntry } from "./entry.ts";
import { ZERO_HASH_HEX } from "./hash.ts";
import { type Json, LedgerValueError } from "./json.ts";
import { Frontier } from "./merkle.ts";
import { assertPartition } from "./partition.ts";
import type { StoredRecord } from "./record.ts";

interface Statements {
  head: StatementSync;
  upsertHead: StatementSync;
  insertRecord: StatementSync;
  insertNode: StatementSync;
  seqOfHash: StatementSync;
}

const cache = new WeakMap<DatabaseSync, Statements>();

export function sqliteStatements(db: DatabaseSync): Statements {
  let statements = cache.get(db);
  if (!statements) {
    statements = {
      head: db.prepare("SELECT size, head, frontier FROM ledger_heads WHERE partition = ?"),
      upsertHead: db.prepare(
        `INSERT INTO ledger_heads (partition, size, head, frontier) VALUES (?, ?, ?, ?)
         ON CONFLICT (partition) DO UPDATE SET size = excluded.size, head = excluded.head, frontier = excluded.frontier`,
      ),
      insertRecord: db.prepare("INSERT INTO ledger_records (partition, seq, hash, type, line) VALUES (?, ?, ?, ?, ?)"),
      insertNode: db.prepare("INSERT INTO ledger_nodes (partition, level, idx, hash) VALUES (?, ?, ?, ?)"),
      seqOfHash: db.prepare("SELECT seq FROM ledger_records WHERE partition = ? AND hash = ?"),
    };
    cache.set(db, statements);
  }
  return statements;
}

export function sqliteHead(db: DatabaseSync, partition: string): ChainHead {
  const row = sqliteStatements(db).head.get(partition) as
    | { size: number; head: Uint8Array; frontier: Uint8Array }
    | undefined;
  if (!row) return emptyHead(new Frontier());
  const size = Number(row.size);
  const head = size === 0 ? ZERO_HASH_HEX : Buffer.from(row.head).toString("hex");
  return { size, head, frontier: Frontier.fromBytes(size, row.frontier) };
}

/** Checks citations against what is stored; entries of this batch come after every stored record. */
export function checkCitationsSqlite(
  db: DatabaseSync,
  partition: string,
  entries: readonly PreparedEntry[],
  size: number,
): void {
  const statements = sqliteStatements(db);
  for (const entry of entries) {
    for (const [j, cite] of entry.cites.entries()) {
      const path = `body.cites[${j}]`;
      if ("seq" in cite) {
        if (cite.seq >= size)
          throw new LedgerValueError(path, `cites record ${cite.seq}, but the partition has only ${size} records`);
      } else if (!statements.seqOfHash.get(partition, Buffer.from(cite.hash, "hex"))) {
        throw new LedgerValueError(path, `cites hash ${cite.hash}, which is no record of partition ${partition}`);
      }
    }
  }
}

/** Appends entries; the caller holds an open write transaction. */
export function appendEntriesSqlite(
  db: DatabaseSync,
  partition: string,
  entries: readonly PreparedEntry[],
): StoredRecord[] {
  const statements = sqliteStatements(db);
  const ext = extendChain(sqliteHead(db, partition), entries);
  for (let i = 0; i < ext.records.length; i++) {
    const record = ext.records[i]!;
    statements.insertRecord.run(partition, record.seq, ext.hashes[i]!, record.type, ext.lines[i]!);
  }
  for (const node of ext.nodes) statements.insertNode.run(partition, node.level, node.index, node.hash);
  const size = ext.head.size;
  statements.upsertHead.run(partition, size, Buffer.from(ext.head.head, "hex"), ext.head.frontier.toBytes());
  return ext.records;
}

/**
 * Rolls back to the append's savepoint. SQLite may have rolled the whole transaction back itself
 * (SQLITE_FULL, SQLITE_IOERR, ...): the savepoint is gone then, and the error to report is the one
 * that did it, not "no such savepoint".
 */
function undoAppend(db: DatabaseSync): void {
  if (!db.isTransaction) return;
  db.exec("ROLLBACK TO ledger_append");
  db.exec("RELEASE ledger_append");
}

/**
 * Appends one record inside the caller's open transaction (BEGIN IMMEDIATE), so a service's state
 * change and its ledger record commit or roll back together. Synchronous; the record is durable when
 * the caller's COMMIT returns (with synchronous=FULL). A failure here rolls back only this append.
 */
export function appendInSqliteTransaction(
  db: DatabaseSync,
  partition: string,
  type: string,
  body: Json,
  at?: Date,
): StoredRecord {
  assertPartition(partition);
  if (!db.isTransaction) {
    throw new Error("appendInSqliteTransaction must run inside the caller's transaction (BEGIN IMMEDIATE first)");
  }
  const entry = prepareEntry(type, body, at);
  db.exec("SAVEPOINT ledger_append");
  try {
    if (entry.cites.length > 0) checkCitationsSqlite(db, partition, [entry], sqliteHead(db, partition).size);
    const [record] = appendEntriesSqlite(db, partition, [entry]);
    db.exec("RELEASE ledger_append");
    return record!;
  } catch (error) {
    undoAppend(db);
    throw error;
  }
}

/** The number of records of a partition (the seq its next record gets), as this transaction sees it. */
export function sqliteLedgerSize(db: DatabaseSync, partition: string): number {
  assertPartition(partition);
  const row = sqliteStatements(db).head.get(partition) as { size: number } | undefined;
  return row ? Number(row.size) : 0;
}

/** Rows per multi-row INSERT: 128 records × 5 values stays far below SQLite's variable limit. */
const CHUNK = 128;
const multiRow = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** INSERT INTO table (columns) VALUES (…), (…) for `rows` rows, prepared once per db and shape. */
function insertRows(db: DatabaseSync, table: string, columns: string, width: number, rows: number): StatementSync {
  let cache = multiRow.get(db);
  if (!cache) {
    cache = new Map();
    multiRow.set(db, cache);
  }
  const key = `${table}/${rows}`;
  let statement = cache.get(key);
  if (!statement) {
    const row = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    statement = db.prepare(
      `INSERT INTO ${table} (${columns}) VALUES ${Array.from({ length: rows }, () => row).join(", ")}`,
    );
    cache.set(key, statement);
  }
  return statement;
}

function insertChunked(
  db: DatabaseSync,
  table: string,
  columns: string,
  width: number,
  values: readonly SQLInputValue[],
): void {
  const total = values.length / width;
  for (let start = 0; start < total; start += CHUNK) {
    const rows = Math.min(CHUNK, total - start);
    insertRows(db, table, columns, width, rows).run(...values.slice(start * width, (start + rows) * width));
  }
}

/**
 * Appends a batch of entries (from prepareLedgerEntry) inside the caller's open transaction: the
 * head is read once, the batch is chained and hashed in memory, and records, tree nodes and the new
 * head are written with a few multi-row statements. An entry may cite records already stored and
 * entries before it in the batch. With `firstSeq`, the batch is refused (nothing written) unless the
 * partition's next seq is exactly that: a caller that handed out seqs in advance learns if the head
 * moved. A failure rolls back only this batch.
 */
export function appendBatchInSqliteTransaction(
  db: DatabaseSync,
  partition: string,
  entries: readonly PreparedEntry[],
  options: { firstSeq?: number } = {},
): StoredRecord[] {
  assertPartition(partition);
  if (!db.isTransaction) {
    throw new Error("appendBatchInSqliteTransaction must run inside the caller's transaction (BEGIN IMMEDIATE first)");
  }
  if (entries.length === 0) return [];
  db.exec("SAVEPOINT ledger_append");
  try {
    const head = sqliteHead(db, partition);
    if (options.firstSeq !== undefined && options.firstSeq !== head.size) {
      throw new LedgerHeadMovedError(partition, options.firstSeq, head.size);
    }
    const ext = extendChain(head, entries);
    const outside = citedOutsideBatch(entries, ext);
    const statements = sqliteStatements(db);
    const stored = new Set(
      outside.filter((hash) => statements.seqOfHash.get(partition, Buffer.from(hash, "hex")) !== undefined),
    );
    checkBatchCitations(entries, ext, stored, partition);
    const records: SQLInputValue[] = [];
    ext.records.forEach((record, i) => {
      records.push(partition, record.seq, ext.hashes[i]!, record.type, ext.lines[i]!);
    });
    insertChunked(db, "ledger_records", "partition, seq, hash, type, line", 5, records);
    const nodes: SQLInputValue[] = [];
    for (const node of ext.nodes) nodes.push(partition, node.level, node.index, node.hash);
    insertChunked(db, "ledger_nodes", "partition, level, idx, hash", 4, nodes);
    statements.upsertHead.run(partition, ext.head.size, Buffer.from(ext.head.head, "hex"), ext.head.frontier.toBytes());
    db.exec("RELEASE ledger_append");
    return ext.records;
  } catch (error) {
    undoAppend(db);
    throw error;
  }
}
