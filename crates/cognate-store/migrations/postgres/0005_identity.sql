-- Identity pools: the configuration (with roles and role mappings) as one document.
CREATE TABLE identity_pools (
    id         TEXT COLLATE "C" PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);

-- Identities; `doc` holds the linked logins (the links table enforces their uniqueness).
CREATE TABLE identities (
    id         TEXT COLLATE "C" PRIMARY KEY,
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    disabled   BIGINT NOT NULL DEFAULT 0,
    doc        TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX identities_pool ON identities(pool_id, id);

-- A login (provider, user id there) belongs to at most one identity of a pool.
CREATE TABLE identity_logins (
    pool_id     TEXT COLLATE "C" NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX identity_logins_identity ON identity_logins(identity_id);

-- IAM-compatible roles (names unique case-insensitively), inline policies in the document.
CREATE TABLE iam_roles (
    name_key   TEXT COLLATE "C" PRIMARY KEY,
    doc        TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);

-- Temporary credentials: the secret sealed under the master key, the session token hashed.
CREATE TABLE sts_credentials (
    access_key_id      TEXT COLLATE "C" PRIMARY KEY,
    sealed_secret      BYTEA NOT NULL,
    session_token_hash TEXT NOT NULL,
    doc                TEXT NOT NULL,
    expires_at         DOUBLE PRECISION NOT NULL,
    created_at         DOUBLE PRECISION NOT NULL
);
CREATE INDEX sts_credentials_expiry ON sts_credentials(expires_at);
