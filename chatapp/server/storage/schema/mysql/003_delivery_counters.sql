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
