-- Migration 009: finding people, conversations and read markers. Needs only 005.
--
-- users.name_fold: the name case-folded (Python's str.casefold, then NFC), which a search
-- by name prefix compares; SQL cannot fold Unicode, so the server fills it in for every
-- user without one when it opens the database (and create_user for new users).
--
-- conversation_heads: the last message of each conversation, one row per conversation
-- (not per user: a group's message costs one row, not one per member), kept by the log's
-- batch transaction; a user's conversations are the one-to-one heads naming them and the
-- heads of their groups. Filled here from the messages already logged. No index holds
-- last_mid, so moving a head rewrites its row only: a user's page of conversations is
-- sorted when asked for (the key and the chan_hi index find their rows), not at each chat.
--
-- read_markers: the last message each user has read in a conversation.

ALTER TABLE users ADD COLUMN name_fold TEXT;
CREATE INDEX users_by_name_fold ON users (name_fold);

CREATE TABLE conversation_heads (
    kind INTEGER NOT NULL,
    chan_lo INTEGER NOT NULL,
    chan_hi INTEGER NOT NULL,
    last_mid INTEGER NOT NULL,
    PRIMARY KEY (kind, chan_lo, chan_hi)
) WITHOUT ROWID;

CREATE INDEX conversation_heads_by_high ON conversation_heads (kind, chan_hi, chan_lo);

INSERT INTO conversation_heads (kind, chan_lo, chan_hi, last_mid)
SELECT kind, chan_lo, chan_hi, max(id) FROM messages GROUP BY kind, chan_lo, chan_hi;

CREATE TABLE read_markers (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind INTEGER NOT NULL,
    chan_lo INTEGER NOT NULL,
    chan_hi INTEGER NOT NULL,
    mid INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, chan_lo, chan_hi)
) WITHOUT ROWID;

CREATE INDEX read_markers_by_conversation ON read_markers (kind, chan_lo, chan_hi, mid);
