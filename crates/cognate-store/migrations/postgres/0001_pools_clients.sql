-- Server-wide settings (the master-key check value, ...).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per user pool; `doc` is the pool's configuration document (JSON).
CREATE TABLE user_pools (
    id         TEXT COLLATE "C" PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);

-- Signing keys, private halves sealed under the server master key.
CREATE TABLE pool_keys (
    pool_id    TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kid        TEXT COLLATE "C" NOT NULL,
    purpose    TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

-- App clients; ids are unique across pools, as Cognito's are.
CREATE TABLE user_pool_clients (
    client_id     TEXT COLLATE "C" PRIMARY KEY,
    pool_id       TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    doc           TEXT NOT NULL,
    sealed_secret BYTEA,
    created_at    DOUBLE PRECISION NOT NULL,
    updated_at    DOUBLE PRECISION NOT NULL
);
CREATE INDEX user_pool_clients_pool ON user_pool_clients(pool_id, client_id);
