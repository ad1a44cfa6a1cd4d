-- Migration 002: the durable message log. Every chat is kept in `messages` (history); each
-- recipient gets a row in `deliveries` numbered by their own sequence (users.last_seq),
-- forgotten once they acknowledge it (users.acked_seq). Resume tokens are kept hashed.

ALTER TABLE users ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0;

-- id is the message id (mid) made by the sending instance; a conversation is
-- (kind, chan_lo, chan_hi): the two user ids in order, or the group id and 0.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    sender_id INTEGER NOT NULL REFERENCES users(id),
    sender_name TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    chan_lo INTEGER NOT NULL,
    chan_hi INTEGER NOT NULL,
    body TEXT NOT NULL,
    sent_time TEXT NOT NULL,
    ts INTEGER NOT NULL,
    cid TEXT
);

CREATE UNIQUE INDEX messages_by_cid ON messages (sender_id, cid);
CREATE INDEX messages_by_conversation ON messages (kind, chan_lo, chan_hi, id);

CREATE TABLE deliveries (
    user_id INTEGER NOT NULL REFERENCES users(id),
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;

CREATE TABLE resume_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX resume_tokens_by_user ON resume_tokens (user_id);

-- Messages waiting in the old table become deliveries, in the order they were stored.
INSERT OR IGNORE INTO messages
    (id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi, body, sent_time, ts)
SELECT mid, kind, sender_id, sender_name, target_id,
       CASE kind WHEN 10 THEN target_id ELSE min(sender_id, target_id) END,
       CASE kind WHEN 10 THEN 0 ELSE max(sender_id, target_id) END,
       body, sent_time, ts
FROM offline_messages;

INSERT INTO deliveries (user_id, seq, message_id)
SELECT user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id), mid
FROM offline_messages;

UPDATE users SET last_seq = (SELECT count(*) FROM offline_messages o WHERE o.user_id = users.id);

DROP TABLE offline_messages;
