-- Sign-ins, keyed by the origin_jti their tokens carry. Revoked by sign-out.
CREATE TABLE auth_sessions (
    pool_id      TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    origin_jti   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    expires_at   DOUBLE PRECISION NOT NULL,
    revoked      BIGINT NOT NULL DEFAULT 0,
    -- Refresh-token rotation: the current token id, and the one it replaced.
    refresh_id          TEXT,
    previous_refresh_id TEXT,
    rotated_at          DOUBLE PRECISION,
    PRIMARY KEY (pool_id, origin_jti)
);
CREATE INDEX auth_sessions_user ON auth_sessions(pool_id, username_key);

-- Single-use values (session steps) that were spent, until they expire anyway.
CREATE TABLE spent_nonces (
    nonce      TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX spent_nonces_expiry ON spent_nonces(expires_at);
