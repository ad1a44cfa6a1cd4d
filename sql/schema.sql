-- chatapp: the complete MySQL 8 / MariaDB 10.11 schema, for operators.
--
-- This file is the concatenation of chatapp/server/storage/schema/mysql/*.sql, the migrations
-- the server applies itself (tests/server/storage/test_mysql.py checks that the two agree). Prefer
-- `chatapp-server --init-db`; to load this file by hand into an empty database instead:
--     mysql --default-character-set=utf8mb4 chatapp < sql/schema.sql
-- See deploy/mysql.md.

-- Migration 001: the initial chatapp schema for MySQL 8 and MariaDB 10.11.
--
-- Rules for migration files: each statement ends with ";" at the end of a line and contains
-- no other ";"; lines that start with "--" are comments; the last statement sets
-- schema_version to the file's number. The server applies the files in order.
--
-- Every table defaults to utf8mb4_bin so that text compares byte for byte, as in SQLite:
-- "Alice" and "alice" are two users. utf8mb4_bin still ignores trailing spaces (PAD SPACE),
-- so names are unique, and looked up, through name_key: the exact bytes of the name.

CREATE TABLE schema_version (
    id TINYINT NOT NULL DEFAULT 1,
    version INT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT schema_version_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name_key VARBINARY(1020) AS (CAST(name AS BINARY)) STORED,
    password_hash VARCHAR(255) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_name (name_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE friends (
    user_id BIGINT NOT NULL,
    friend_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    KEY friends_by_friend (friend_id),
    CONSTRAINT friends_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT friends_friend FOREIGN KEY (friend_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE chat_groups (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name_key VARBINARY(1020) AS (CAST(name AS BINARY)) STORED,
    description TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY chat_groups_name (name_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE group_members (
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role VARCHAR(16) NOT NULL,
    PRIMARY KEY (group_id, user_id),
    KEY group_members_by_user (user_id, group_id),
    CONSTRAINT group_members_group FOREIGN KEY (group_id) REFERENCES chat_groups (id),
    CONSTRAINT group_members_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT group_members_role CHECK (role IN ('creator', 'normal'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- id is the delivery order; ts is the sender's message time in milliseconds.
CREATE TABLE offline_messages (
    id BIGINT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    sender_id BIGINT NOT NULL,
    sender_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    target_id BIGINT NOT NULL,
    body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    sent_time VARCHAR(255) NOT NULL,
    mid BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY offline_messages_by_user (user_id, id),
    CONSTRAINT offline_messages_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO schema_version (id, version) VALUES (1, 1);

-- Migration 002: the durable message log. Every chat is kept in `messages` (history); each
-- recipient gets a row in `deliveries` numbered by their own sequence (users.last_seq),
-- forgotten once they acknowledge it (users.acked_seq). Resume tokens are kept hashed.
--
-- MySQL cannot roll DDL back: back the database up before upgrading (deploy/mysql.md).

ALTER TABLE users
    ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN acked_seq BIGINT NOT NULL DEFAULT 0;

-- id is the message id (mid) made by the sending instance, never by the database; a
-- conversation is (kind, chan_lo, chan_hi): the two user ids in order, or the group id and 0.
-- cid is the sender's own id for the message, unique per sender (NULLs never collide) and
-- compared byte for byte through cid_key, as names are: utf8mb4_bin ignores trailing spaces.
CREATE TABLE messages (
    id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    sender_id BIGINT NOT NULL,
    sender_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    target_id BIGINT NOT NULL,
    chan_lo BIGINT NOT NULL,
    chan_hi BIGINT NOT NULL,
    body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    sent_time VARCHAR(255) NOT NULL,
    ts BIGINT NOT NULL,
    cid VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    cid_key VARBINARY(256) AS (CAST(cid AS BINARY)) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY messages_by_cid (sender_id, cid_key),
    KEY messages_by_conversation (kind, chan_lo, chan_hi, id),
    CONSTRAINT messages_sender FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE deliveries (
    user_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, seq),
    KEY deliveries_by_message (message_id),
    CONSTRAINT deliveries_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT deliveries_message FOREIGN KEY (message_id) REFERENCES messages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- token_hash is the SHA-256 of the token in hex.
CREATE TABLE resume_tokens (
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    PRIMARY KEY (token_hash),
    KEY resume_tokens_by_user (user_id),
    CONSTRAINT resume_tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Messages waiting in the old table become deliveries, in the order they were stored. A
-- group message waited once per member, with the same mid: it is logged once.
INSERT INTO messages
    (id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi, body, sent_time, ts)
SELECT o.mid, o.kind, o.sender_id, o.sender_name, o.target_id,
       CASE o.kind WHEN 10 THEN o.target_id ELSE LEAST(o.sender_id, o.target_id) END,
       CASE o.kind WHEN 10 THEN 0 ELSE GREATEST(o.sender_id, o.target_id) END,
       o.body, o.sent_time, o.ts
FROM offline_messages o
JOIN (SELECT MIN(id) AS id FROM offline_messages GROUP BY mid) f ON f.id = o.id;

INSERT INTO deliveries (user_id, seq, message_id)
SELECT user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id), mid
FROM offline_messages;

UPDATE users u
JOIN (SELECT user_id, COUNT(*) AS n FROM offline_messages GROUP BY user_id) c
    ON c.user_id = u.id
SET u.last_seq = c.n;

DROP TABLE offline_messages;

UPDATE schema_version SET version = 2;

-- Migration 003: each user's delivery counter (last_seq) and cursor (acked_seq) leave
-- `users` for tables of their own. A batch of the log locks the counters of its recipients
-- and the cursors of the users acknowledging; while those were columns of `users`, the
-- batch held the users' rows, which every insert of a message or delivery naming the user
-- (foreign keys check their parent with a shared lock) and every other batch had to wait
-- for, so the batches of two instances took turns. Every user has a row in both tables.
--
-- MySQL cannot roll DDL back: back the database up before upgrading (deploy/mysql.md).

CREATE TABLE delivery_counters (
    user_id BIGINT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id),
    CONSTRAINT delivery_counters_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE delivery_cursors (
    user_id BIGINT NOT NULL,
    acked_seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id),
    CONSTRAINT delivery_cursors_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO delivery_counters (user_id, last_seq) SELECT id, last_seq FROM users;

INSERT INTO delivery_cursors (user_id, acked_seq) SELECT id, acked_seq FROM users;

ALTER TABLE users
    DROP COLUMN last_seq,
    DROP COLUMN acked_seq;

UPDATE schema_version SET version = 3;
