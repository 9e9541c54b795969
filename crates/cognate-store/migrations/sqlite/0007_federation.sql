-- Hosted-UI domains: one per pool, the prefix unique across pools.
CREATE TABLE user_pool_domains (
    domain     TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL UNIQUE REFERENCES user_pools(id) ON DELETE CASCADE,
    doc        TEXT NOT NULL,
    created_at REAL NOT NULL
);

-- Federated identity providers of a pool; `doc` holds details (secrets
-- sealed under the master key), the attribute mapping and the identifiers.
CREATE TABLE identity_providers (
    pool_id       TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    provider_name TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    doc           TEXT NOT NULL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    PRIMARY KEY (pool_id, provider_name)
);
