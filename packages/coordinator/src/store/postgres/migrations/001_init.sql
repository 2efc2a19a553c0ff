-- Coordinator schema, PostgreSQL. Times are ms since the epoch; money is integer units; JSON is
-- text (kept byte-for-byte as the client sent it, as in the SQLite store).

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,          -- SHA-256 of the key; the key itself is never stored
  role        TEXT NOT NULL CHECK (role IN ('client', 'miner', 'admin')),
  label       TEXT,
  wallet      TEXT,                          -- a client key's wallet
  miner_id    TEXT,                          -- a miner key's miner, bound by its first heartbeat
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);

CREATE TABLE miners (
  id            TEXT PRIMARY KEY,
  key_id        TEXT NOT NULL REFERENCES api_keys (id),
  wallet        TEXT NOT NULL,
  mode          TEXT NOT NULL,
  gpu           BOOLEAN NOT NULL,
  capabilities  TEXT,
  public_key    TEXT,
  draining      BOOLEAN NOT NULL DEFAULT false,
  online        BOOLEAN NOT NULL DEFAULT true,
  registered_at BIGINT NOT NULL,
  last_seen_at  BIGINT NOT NULL,
  reputation    BIGINT NOT NULL
);
CREATE INDEX miners_online_seen ON miners (last_seen_at) WHERE online;

CREATE TABLE jobs (
  seq            BIGSERIAL PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  client_key_id  TEXT NOT NULL,
  client_wallet  TEXT NOT NULL,
  workload       TEXT NOT NULL,
  params         TEXT NOT NULL,
  constraints    TEXT NOT NULL,
  reward         BIGINT NOT NULL CHECK (reward >= 0),
  verification   TEXT NOT NULL,
  replicas       BIGINT NOT NULL,
  quorum         BIGINT NOT NULL,
  ttl_s          BIGINT NOT NULL,
  max_runtime_s  BIGINT NOT NULL,
  max_attempts   BIGINT NOT NULL,
  state          TEXT NOT NULL,
  open_slots     BIGINT NOT NULL CHECK (open_slots >= 0),
  leases_issued  BIGINT NOT NULL,
  leases_lost    BIGINT NOT NULL,
  escrow         BIGINT NOT NULL CHECK (escrow >= 0),
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  start_by       BIGINT,
  finished_at    BIGINT,
  output_sha     TEXT,
  error_code     TEXT,
  error_message  TEXT,
  version        BIGINT NOT NULL
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
  attempt           BIGINT NOT NULL,
  state             TEXT NOT NULL,
  leased_at         BIGINT NOT NULL,
  lease_expires_at  BIGINT NOT NULL,
  lease_cap_at      BIGINT NOT NULL,
  output_sha        TEXT,
  metrics           TEXT,
  proof_mode        TEXT,
  output            BYTEA,
  signature         TEXT,
  proved_at         BIGINT,
  proof_seq         BIGINT,                  -- ledger record of the accepted proof
  verdict           TEXT,
  paid              BIGINT NOT NULL DEFAULT 0,
  proof_answer      TEXT,
  fail_code         TEXT,
  fail_message      TEXT,
  ended_at          BIGINT
);
CREATE INDEX assignments_job ON assignments (job_id);
CREATE INDEX assignments_miner_live ON assignments (miner_id) WHERE state = 'LEASED';
CREATE INDEX assignments_expiry ON assignments (lease_expires_at) WHERE state = 'LEASED';
CREATE INDEX assignments_wallet_pending ON assignments (wallet) WHERE state = 'PROVED' AND verdict IS NULL;

-- Cached balances, moved in the same transaction as the postings they sum (checked by audit()).
CREATE TABLE wallets (
  address     TEXT PRIMARY KEY,
  balance     BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

-- Double-entry postings: every transfer's rows sum to zero.
CREATE TABLE postings (
  id           BIGSERIAL PRIMARY KEY,
  transfer_id  TEXT NOT NULL,
  kind         TEXT NOT NULL,
  job_id       TEXT,
  account      TEXT NOT NULL,
  amount       BIGINT NOT NULL,
  at           BIGINT NOT NULL
);
CREATE INDEX postings_account ON postings (account, id);
CREATE INDEX postings_transfer ON postings (transfer_id);

CREATE TABLE idempotency (
  key_id        TEXT NOT NULL,
  idem_key      TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        BIGINT NOT NULL,
  response      TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE receipts (
  receipt_id  TEXT PRIMARY KEY,
  job_id      TEXT NOT NULL,
  miner_id    TEXT NOT NULL,
  signed      TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX receipts_job ON receipts (job_id);

-- Which ledger records concern a job (GET /v1/jobs/{id}/ledger proves them to its client).
CREATE TABLE job_ledger (
  job_id  TEXT NOT NULL,
  seq     BIGINT NOT NULL,
  type    TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
