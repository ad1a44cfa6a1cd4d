-- Migration 006: friend requests, answered with consent. A row is a request from
-- `requester_id` to `target_id` that waits for an answer; accepted, it becomes the two rows
-- of `friends` (which keeps its meaning: accepted friendships, one row each way), so
-- existing friendships stay as they are. created_ms is epoch milliseconds. At most one
-- request waits between two users, either way (friend_requests_pair): of two who ask each
-- other at once, the second finds the first's request and accepts it.

CREATE TABLE friend_requests (
    requester_id BIGINT NOT NULL,
    target_id BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    pair_low BIGINT AS (LEAST(requester_id, target_id)) STORED,
    pair_high BIGINT AS (GREATEST(requester_id, target_id)) STORED,
    PRIMARY KEY (requester_id, target_id),
    KEY friend_requests_by_target (target_id, requester_id),
    UNIQUE KEY friend_requests_pair (pair_low, pair_high),
    CONSTRAINT friend_requests_requester FOREIGN KEY (requester_id) REFERENCES users (id),
    CONSTRAINT friend_requests_target FOREIGN KEY (target_id) REFERENCES users (id),
    CONSTRAINT friend_requests_not_self CHECK (requester_id <> target_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 6;
