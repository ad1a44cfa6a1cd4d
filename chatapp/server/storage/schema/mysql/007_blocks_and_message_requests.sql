-- Migration 007: blocking and message requests. `blocks` holds who blocks whom;
-- `accepted_senders` the strangers whose message request a user accepted (their later
-- messages flow); `held_messages` the messages of strangers kept apart until the recipient
-- answers (accepted: they move to the log; declined: deleted). Nothing existing changes.

CREATE TABLE blocks (
    user_id BIGINT NOT NULL,
    blocked_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, blocked_id),
    KEY blocks_by_blocked (blocked_id, user_id),
    CONSTRAINT blocks_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT blocks_blocked FOREIGN KEY (blocked_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE accepted_senders (
    user_id BIGINT NOT NULL,
    sender_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, sender_id),
    CONSTRAINT accepted_senders_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT accepted_senders_sender FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- id orders a sender's held messages as they came; mid is the message id the sender's ACK
-- named, which the message keeps in the log once accepted. cid is compared byte for byte
-- through cid_key, as in `messages`.
CREATE TABLE held_messages (
    id BIGINT NOT NULL AUTO_INCREMENT,
    recipient_id BIGINT NOT NULL,
    sender_id BIGINT NOT NULL,
    mid BIGINT NOT NULL,
    sender_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    sent_time VARCHAR(255) NOT NULL,
    ts BIGINT NOT NULL,
    cid VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    cid_key VARBINARY(256) AS (CAST(cid AS BINARY)) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY held_by_mid (mid),
    UNIQUE KEY held_by_cid (sender_id, cid_key),
    KEY held_by_recipient (recipient_id, sender_id, id),
    CONSTRAINT held_messages_recipient FOREIGN KEY (recipient_id) REFERENCES users (id),
    CONSTRAINT held_messages_sender FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 7;
