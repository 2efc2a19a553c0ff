-- Coordinator schema, SQLite. Times are ms since the epoch; money is integer units; JSON is text.

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,          -- SHA-256 of the key; the key itself is never stored
  role        TEXT NOT NULL CHECK (role IN ('client', 'miner', 'admin')),
  label       TEXT,
  wallet      TEXT,                          -- a client key's wallet
  miner_id    TEXT,                          -- a miner key's miner, bound by its first heartbeat
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

CREATE TABLE miners (
  id            TEXT PRIMARY KEY,
  key_id        TEXT NOT NULL REFERENCES api_keys (id),
  wallet        TEXT NOT NULL,
  mode          TEXT NOT NULL,
  gpu           INTEGER NOT NULL,
  capabilities  TEXT,
  public_key    TEXT,
  draining      INTEGER NOT NULL DEFAULT 0,
  online        INTEGER NOT NULL DEFAULT 1,
  registered_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  reputation    INTEGER NOT NULL
);
CREATE INDEX miners_online_seen ON miners (last_seen_at) WHERE online = 1;

CREATE TABLE jobs (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  client_key_id  TEXT NOT NULL,
  client_wallet  TEXT NOT NULL,
  workload       TEXT NOT NULL,
  params         TEXT NOT NULL,
  constraints    TEXT NOT NULL,
  reward         INTEGER NOT NULL CHECK (reward >= 0),
  verification   TEXT NOT NULL,
  replicas       INTEGER NOT NULL,
  quorum         INTEGER NOT NULL,
  ttl_s          INTEGER NOT NULL,
  max_runtime_s  INTEGER NOT NULL,
  max_attempts   INTEGER NOT NULL,
  state          TEXT NOT NULL,
  open_slots     INTEGER NOT NULL CHECK (open_slots >= 0),
  leases_issued  INTEGER NOT NULL,
  leases_lost    INTEGER NOT NULL,
  escrow         INTEGER NOT NULL CHECK (escrow >= 0),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  start_by       INTEGER,
  finished_at    INTEGER,
  output_sha     TEXT,
  error_code     TEXT,
  error_message  TEXT,
  version        INTEGER NOT NULL
);
-- The claim query's index: only jobs with a replica to hand out are in it.
CREATE INDEX jobs_claimable ON jobs (workload, seq) WHERE open_slots > 0;
CREATE INDEX jobs_client ON jobs (client_key_id, seq);
CREATE INDEX jobs_state ON jobs (state, seq);
CREATE INDEX jobs_overdue ON jobs (start_by) WHERE state = 'QUEUED';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_client_wallet_live ON jobs (client_wallet) WHERE escrow > 0;

CREATE TABLE assignments (
  id                TEXT PRIMARY KEY,
  job_id            TEXT NOT NULL REFERENCES jobs (id),
  miner_id          TEXT NOT NULL,
  wallet            TEXT NOT NULL,
  lease_token       TEXT NOT NULL,
  attempt           INTEGER NOT NULL,
  state             TEXT NOT NULL,
  leased_at         INTEGER NOT NULL,
  lease_expires_at  INTEGER NOT NULL,
  lease_cap_at      INTEGER NOT NULL,
  output_sha        TEXT,
  metrics           TEXT,
  proof_mode        TEXT,
  output            BLOB,
  signature         TEXT,
  proved_at         INTEGER,
  proof_seq         INTEGER,                  -- ledger record of the accepted proof
  verdict           TEXT,
  paid              INTEGER NOT NULL DEFAULT 0,
  proof_answer      TEXT,
  fail_code         TEXT,
  fail_message      TEXT,
  ended_at          INTEGER
);
CREATE INDEX assignments_job ON assignments (job_id);
CREATE INDEX assignments_miner_live ON assignments (miner_id) WHERE state = 'LEASED';
CREATE INDEX assignments_expiry ON assignments (lease_expires_at) WHERE state = 'LEASED';
CREATE INDEX assignments_wallet_pending ON assignments (wallet) WHERE state = 'PROVED' AND verdict IS NULL;

-- Cached balances, moved in the same transaction as the postings they sum (checked by audit()).
CREATE TABLE wallets (
  address     TEXT PRIMARY KEY,
  balance     INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- Double-entry postings: every transfer's rows sum to zero.
CREATE TABLE postings (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  transfer_id  TEXT NOT NULL,
  kind         TEXT NOT NULL,
  job_id       TEXT,
  account      TEXT NOT NULL,
  amount       INTEGER NOT NULL,
  at           INTEGER NOT NULL
);
CREATE INDEX postings_account ON postings (account, id);
CREATE INDEX postings_transfer ON postings (transfer_id);

CREATE TABLE idempotency (
  key_id        TEXT NOT NULL,
  idem_key      TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  response      TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE receipts (
  receipt_id  TEXT PRIMARY KEY,
  job_id      TEXT NOT NULL,
  miner_id    TEXT NOT NULL,
  signed      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX receipts_job ON receipts (job_id);

-- Which ledger records concern a job (GET /v1/jobs/{id}/ledger proves them to its client).
CREATE TABLE job_ledger (
  job_id  TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  type    TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
