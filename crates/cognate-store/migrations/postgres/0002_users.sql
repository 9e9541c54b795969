-- Users. `doc` holds attributes and the rest of the user's state (JSON); the
-- searchable attributes and aliases are copied into indexed columns.
CREATE TABLE users (
    pool_id            TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    username_key       TEXT COLLATE "C" NOT NULL,
    username           TEXT COLLATE "C" NOT NULL,
    sub                TEXT COLLATE "C" NOT NULL,
    status             TEXT COLLATE "C" NOT NULL,
    enabled            TEXT NOT NULL,
    email              TEXT COLLATE "C",
    phone_number       TEXT COLLATE "C",
    name               TEXT COLLATE "C",
    given_name         TEXT COLLATE "C",
    family_name        TEXT COLLATE "C",
    preferred_username TEXT COLLATE "C",
    alias_email        TEXT,
    alias_phone        TEXT,
    alias_preferred    TEXT,
    doc                TEXT NOT NULL,
    created_at         DOUBLE PRECISION NOT NULL,
    updated_at         DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, username_key)
);
CREATE UNIQUE INDEX users_sub ON users(pool_id, sub);
CREATE UNIQUE INDEX users_alias_email ON users(pool_id, alias_email) WHERE alias_email IS NOT NULL;
CREATE UNIQUE INDEX users_alias_phone ON users(pool_id, alias_phone) WHERE alias_phone IS NOT NULL;
CREATE UNIQUE INDEX users_alias_preferred ON users(pool_id, alias_preferred) WHERE alias_preferred IS NOT NULL;
CREATE INDEX users_username ON users(pool_id, username);
CREATE INDEX users_email ON users(pool_id, email);
CREATE INDEX users_phone ON users(pool_id, phone_number);
CREATE INDEX users_name ON users(pool_id, name);
CREATE INDEX users_given_name ON users(pool_id, given_name);
CREATE INDEX users_family_name ON users(pool_id, family_name);
CREATE INDEX users_preferred_username ON users(pool_id, preferred_username);
CREATE INDEX users_status ON users(pool_id, status);
CREATE INDEX users_enabled ON users(pool_id, enabled);

-- One outstanding code per user and purpose, hashed.
CREATE TABLE user_codes (
    pool_id      TEXT NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    purpose      TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    expires_at   DOUBLE PRECISION NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pool_id, username_key, purpose),
    FOREIGN KEY (pool_id, username_key) REFERENCES users(pool_id, username_key) ON DELETE CASCADE
);

CREATE TABLE user_groups (
    pool_id     TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT,
    role_arn    TEXT,
    precedence  BIGINT,
    created_at  DOUBLE PRECISION NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
    pool_id      TEXT NOT NULL,
    group_name   TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key),
    FOREIGN KEY (pool_id, group_name) REFERENCES user_groups(pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username_key) REFERENCES users(pool_id, username_key) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members(pool_id, username_key, group_name);

-- Messages recorded instead of sent when a channel has no transport.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX outbox_pool ON outbox(pool_id, created_at);
