-- Migration 007: blocking and message requests. `blocks` holds who blocks whom;
-- `accepted_senders` the strangers whose message request a user accepted (their later
-- messages flow); `held_messages` the messages of strangers kept apart until the recipient
-- answers (accepted: they move to the log; declined: deleted). Nothing existing changes.

CREATE TABLE blocks (
    user_id INTEGER NOT NULL REFERENCES users(id),
    blocked_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;

CREATE INDEX blocks_by_blocked ON blocks (blocked_id, user_id);

CREATE TABLE accepted_senders (
    user_id INTEGER NOT NULL REFERENCES users(id),
    sender_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (user_id, sender_id)
) WITHOUT ROWID;

-- id orders a sender's held messages as they came; mid is the message id the sender's ACK
-- named, which the message keeps in the log once accepted.
CREATE TABLE held_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users(id),
    sender_id INTEGER NOT NULL REFERENCES users(id),
    mid INTEGER NOT NULL UNIQUE,
    sender_name TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_time TEXT NOT NULL,
    ts INTEGER NOT NULL,
    cid TEXT
);

CREATE INDEX held_by_recipient ON held_messages (recipient_id, sender_id, id);
CREATE UNIQUE INDEX held_by_cid ON held_messages (sender_id, cid) WHERE cid IS NOT NULL;
