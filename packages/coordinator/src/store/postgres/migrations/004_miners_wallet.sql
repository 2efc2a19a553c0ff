-- A heartbeat that newly names a payout wallet checks whether another key's miner is paid into it.
CREATE INDEX miners_wallet ON miners (wallet);
