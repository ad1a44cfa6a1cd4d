-- Migration 011: several devices per account. Needs 002 and 010.
--
-- devices: each session an account keeps (a device it can resume), with its own delivery
-- position (acked_seq: what it acknowledged of its user's sequence). The user's cursor
-- (users.acked_seq) becomes the floor under the positions of the devices seen lately.
-- `legacy` marks the one device the legacy dialect logs in as. Times are epoch ms;
-- `address` is where the device last logged in from. AUTOINCREMENT: an ended device's id
-- is never given again (servers close the sessions of ended ids).
--
-- resume_tokens.device_id: the device a token resumes. SQLite cannot add a NOT NULL
-- reference to a table, so resume_tokens is made anew with it.
--
-- Each existing token becomes a device of its own, "unnamed device", at the user's cursor,
-- made and seen now; token and device are paired by the token's rank in token_hash order.

CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    legacy INTEGER NOT NULL DEFAULT 0,
    acked_seq INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    seen_ms INTEGER NOT NULL,
    address TEXT NOT NULL DEFAULT ''
);

CREATE INDEX devices_by_user ON devices (user_id, id);

INSERT INTO devices (id, user_id, name, legacy, acked_seq, created_ms, seen_ms, address)
SELECT row_number() OVER (ORDER BY t.token_hash), t.user_id, 'unnamed device', 0,
       u.acked_seq, n.ms, n.ms, ''
FROM resume_tokens t
JOIN users u ON u.id = t.user_id
CROSS JOIN (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms) n;

CREATE TABLE resume_tokens_011 (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    device_id INTEGER NOT NULL REFERENCES devices(id),
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO resume_tokens_011 (token_hash, user_id, device_id, expires_ms)
SELECT token_hash, user_id, row_number() OVER (ORDER BY token_hash), expires_ms
FROM resume_tokens;

DROP TABLE resume_tokens;

ALTER TABLE resume_tokens_011 RENAME TO resume_tokens;

CREATE INDEX resume_tokens_by_user ON resume_tokens (user_id);

CREATE INDEX resume_tokens_by_device ON resume_tokens (device_id);
