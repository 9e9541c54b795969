-- Remembered devices (device tracking). A row is created, unconfirmed, by the
-- sign-in that hands out its key; ConfirmDevice stores the device's SRP salt
-- and verifier. `confirmed` is 0/1.
CREATE TABLE devices (
    pool_id            TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    device_key         TEXT NOT NULL,
    username_key       TEXT NOT NULL,
    group_key          TEXT NOT NULL,
    confirmed          INTEGER NOT NULL DEFAULT 0,
    remembered_status  TEXT,
    name               TEXT,
    salt               TEXT,
    verifier           TEXT,
    last_ip            TEXT,
    -- The sealed DEVICE_SRP_AUTH step issued for this device, for clients that
    -- answer it without the Session.
    pending_session    TEXT,
    created_at         REAL NOT NULL,
    updated_at         REAL NOT NULL,
    last_auth_at       REAL,
    PRIMARY KEY (pool_id, device_key)
);
CREATE INDEX devices_user ON devices(pool_id, username_key, device_key);
