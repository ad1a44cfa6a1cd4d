-- Migration 006: friend requests, answered with consent. A row is a request from
-- `requester_id` to `target_id` that waits for an answer; accepted, it becomes the two rows
-- of `friends` (which keeps its meaning: accepted friendships, one row each way), so
-- existing friendships stay as they are. created_ms is epoch milliseconds.

CREATE TABLE friend_requests (
    requester_id INTEGER NOT NULL REFERENCES users(id),
    target_id INTEGER NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (requester_id, target_id),
    CHECK (requester_id <> target_id)
) WITHOUT ROWID;

CREATE INDEX friend_requests_by_target ON friend_requests (target_id, requester_id);

-- At most one request waits between two users, either way.
CREATE UNIQUE INDEX friend_requests_pair ON friend_requests
    (min(requester_id, target_id), max(requester_id, target_id));
