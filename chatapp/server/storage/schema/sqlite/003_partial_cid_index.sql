-- Migration 003: only messages that carry a cid (the current protocol's retry key) are
-- indexed by it. Legacy chats have none, and indexing their NULLs cost every one of them
-- a page write for nothing.

DROP INDEX messages_by_cid;
CREATE UNIQUE INDEX messages_by_cid ON messages (sender_id, cid) WHERE cid IS NOT NULL;
