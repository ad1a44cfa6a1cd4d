-- Migration 011: several devices per account. Needs 002, 003 and 010.
--
-- devices: each session an account keeps (a device it can resume), with its own delivery
-- position (acked_seq: what it acknowledged of its user's sequence). The user's cursor
-- (delivery_cursors.acked_seq) becomes the floor under the positions of the devices seen
-- lately. `legacy` marks the one device the legacy dialect logs in as. Times are epoch ms;
-- `address` is where the device last logged in from. The log's batches lock the rows of
-- the devices they acknowledge by primary key, in id order; device work locks the user's
-- row first, then their devices, in the same order (never delivery_counters).
--
-- resume_tokens.device_id: the device a token resumes, NOT NULL once filled in.
--
-- Each existing token becomes a device of its own, "unnamed device", at the user's cursor,
-- made and seen now; token and device are paired by the token's rank in token_hash order.
--
-- MySQL cannot roll DDL back: back the database up before upgrading (deploy/mysql.md).

CREATE TABLE devices (
    id BIGINT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    legacy BOOLEAN NOT NULL DEFAULT FALSE,
    acked_seq BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    seen_ms BIGINT NOT NULL,
    address VARCHAR(255) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY devices_by_user (user_id, id),
    CONSTRAINT devices_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE resume_tokens ADD COLUMN device_id BIGINT NULL AFTER user_id;

UPDATE resume_tokens t
JOIN (SELECT token_hash, ROW_NUMBER() OVER (ORDER BY token_hash) AS n FROM resume_tokens) r
    ON r.token_hash = t.token_hash
SET t.device_id = r.n;

INSERT INTO devices (id, user_id, name, legacy, acked_seq, created_ms, seen_ms, address)
SELECT t.device_id, t.user_id, 'unnamed device', FALSE, COALESCE(c.acked_seq, 0),
       n.ms, n.ms, ''
FROM resume_tokens t
LEFT JOIN delivery_cursors c ON c.user_id = t.user_id
CROSS JOIN (SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) AS ms) n
ORDER BY t.device_id;

ALTER TABLE resume_tokens
    MODIFY device_id BIGINT NOT NULL,
    ADD KEY resume_tokens_by_device (device_id),
    ADD CONSTRAINT resume_tokens_device FOREIGN KEY (device_id) REFERENCES devices (id);

UPDATE schema_version SET version = 11;
