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

ALTER TABLE users
    ADD COLUMN name_fold VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    ADD KEY users_by_name_fold (name_fold);

CREATE TABLE conversation_heads (
    kind SMALLINT NOT NULL,
    chan_lo BIGINT NOT NULL,
    chan_hi BIGINT NOT NULL,
    last_mid BIGINT NOT NULL,
    PRIMARY KEY (kind, chan_lo, chan_hi),
    KEY conversation_heads_by_high (kind, chan_hi, chan_lo)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO conversation_heads (kind, chan_lo, chan_hi, last_mid)
SELECT kind, chan_lo, chan_hi, MAX(id) FROM messages GROUP BY kind, chan_lo, chan_hi;

CREATE TABLE read_markers (
    user_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    chan_lo BIGINT NOT NULL,
    chan_hi BIGINT NOT NULL,
    mid BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, chan_lo, chan_hi),
    KEY read_markers_by_conversation (kind, chan_lo, chan_hi, mid),
    CONSTRAINT read_markers_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 9;
