-- chatapp: the complete MySQL 8 / MariaDB 10.11 schema, for operators.
--
-- This file is the concatenation of chatapp/server/storage/schema/mysql/*.sql, the migrations
-- the server applies itself (tests/storage/test_mysql.py checks that the two agree). Prefer
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
