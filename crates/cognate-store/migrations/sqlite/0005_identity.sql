-- Identity pools: the configuration (with roles and role mappings) as one document.
CREATE TABLE identity_pools (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

-- Identities; `doc` holds the linked logins (the links table enforces their uniqueness).
CREATE TABLE identities (
    id         TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    disabled   INTEGER NOT NULL DEFAULT 0,
    doc        TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX identities_pool ON identities(pool_id, id);

-- A login (provider, user id there) belongs to at most one identity of a pool.
CREATE TABLE identity_logins (
    pool_id     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX identity_logins_identity ON identity_logins(identity_id);

-- IAM-compatible roles (names unique case-insensitively), inline policies in the document.
CREATE TABLE iam_roles (
    name_key   TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at REAL NOT NULL
);

-- Temporary credentials: the secret sealed under the master key, the session token hashed.
CREATE TABLE sts_credentials (
    access_key_id      TEXT PRIMARY KEY,
    sealed_secret      BLOB NOT NULL,
    session_token_hash TEXT NOT NULL,
    doc                TEXT NOT NULL,
    expires_at         REAL NOT NULL,
    created_at         REAL NOT NULL
);
CREATE INDEX sts_credentials_expiry ON sts_credentials(expires_at);
