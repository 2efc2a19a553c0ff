// @pithead/ledger: the tamper-evident evidence ledger.
export { archiveDirUnwritable, DirectoryError, makeDirsReporting } from "./archive-dir-check.ts";
export { type ArchiveDirs, ArchiveUnavailableError, archiveDirChange } from "./archive-locate.ts";
export { type ArchiveEntry, RecordArchivedError } from "./archive-manifest.ts";
export type { ArchivedRange, Checkpoint, LedgerRecovery, ReadOptions, TreeHead } from "./backend.ts";
export { LedgerCorruptError, LedgerLockedError } from "./backend.ts";
export { LedgerHeadMovedError } from "./batch-citations.ts";
export type { ChainHead } from "./chain.ts";
export type { VerifyProblem, VerifyReport } from "./chain-verifier.ts";
export { type Citation, citationsOf } from "./citations.ts";
export { DurableWriteError, writeFileDurably, writeFileSynced } from "./durable-file.ts";
export { type PreparedEntry as PreparedLedgerEntry, prepareEntry as prepareLedgerEntry } from "./entry.ts";
export { EXPORT_FORMAT, type ExportHeader, exportLines, exportPartition } from "./export.ts";
export { LedgerHttpError, type LedgerRoutesOptions, ledgerRoutes } from "./http-routes.ts";
export { canonicalJson, type Json, LedgerValueError } from "./json.ts";
export type { ArchiveOptions, ArchiveReport } from "./jsonl-archive.ts";
export { partitionNameOf } from "./jsonl-verify-archive.ts";
export { createKeyFileOnce, KeyFileError } from "./key-file.ts";
export {
  ArchiveNotSupportedError,
  type Ledger,
  LedgerClosedError,
  type LedgerOptions,
  type VerifyOptions as LedgerVerifyOptions,
} from "./ledger.ts";
export { EMPTY_ROOT, Frontier, leafHash, merkleRoot, nodeHash } from "./merkle.ts";
export { type LedgerStoreOptions, type OpenLedgerOptions, openLedger } from "./open-ledger.ts";
export { assertPartition, LedgerPartitionError } from "./partition.ts";
export { type LockHolder, type LockRefusal, releasePidLock, tryLockFile } from "./pid-lock.ts";
export {
  appendBatchAtLockedHead,
  appendBatchInPostgresTransaction,
  appendInPostgresTransaction,
  type BatchWrite,
  batchWriteAtLockedHead,
  type HeadRow,
  headFromRow,
  headLockStatement,
  lockPostgresHead,
  postgresLedgerSize,
} from "./postgres-append.ts";
export { migratePostgresLedger, postgresLedgerMigrations } from "./postgres-schema.ts";
export { NotASqliteDatabase, preparePrivateSqlite } from "./private-files.ts";
export {
  type ConsistencyProof,
  type InclusionProof,
  verifyConsistency,
  verifyConsistencyPath,
  verifyInclusion,
  verifyInclusionPath,
} from "./proofs.ts";
export { type LedgerRecord, recordHash, type StoredRecord, TYPE_PATTERN } from "./record.ts";
export {
  checkpointText,
  formatVerifierKey,
  LedgerFormatError,
  type ParsedCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifyCheckpoint,
} from "./signed-note.ts";
export { type LedgerSigner, loadOrCreateSigner, signerFromPrivateKey } from "./signer.ts";
export { SQL_SEGMENT_RECORDS } from "./sql-archive.ts";
export { appendBatchInSqliteTransaction, appendInSqliteTransaction, sqliteLedgerSize } from "./sqlite-append.ts";
export { type LedgerMigration, migrateSqliteLedger, sqliteLedgerMigrations } from "./sqlite-schema.ts";
export { type VerifyExportOptions, verifyExport } from "./verify-export.ts";
