-- Server-wide settings (the master-key check value, ...).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per user pool; `doc` is the pool's configuration document (JSON).
CREATE TABLE user_pools (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

-- Signing keys, private halves sealed under the server master key.
CREATE TABLE pool_keys (
    pool_id    TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kid        TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

-- App clients; ids are unique across pools, as Cognito's are.
CREATE TABLE user_pool_clients (
    client_id     TEXT PRIMARY KEY,
    pool_id       TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    doc           TEXT NOT NULL,
    sealed_secret BLOB,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX user_pool_clients_pool ON user_pool_clients(pool_id, client_id);
