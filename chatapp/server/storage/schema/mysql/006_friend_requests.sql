-- Migration 006: friend requests, answered with consent. A row is a request from
-- `requester_id` to `target_id` that waits for an answer; accepted, it becomes the two rows
-- of `friends` (which keeps its meaning: accepted friendships, one row each way), so
-- existing friendships stay as they are. created_ms is epoch milliseconds.

CREATE TABLE friend_requests (
    requester_id BIGINT NOT NULL,
    target_id BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (requester_id, target_id),
    KEY friend_requests_by_target (target_id, requester_id),
    CONSTRAINT friend_requests_requester FOREIGN KEY (requester_id) REFERENCES users (id),
    CONSTRAINT friend_requests_target FOREIGN KEY (target_id) REFERENCES users (id),
    CONSTRAINT friend_requests_not_self CHECK (requester_id <> target_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 6;
