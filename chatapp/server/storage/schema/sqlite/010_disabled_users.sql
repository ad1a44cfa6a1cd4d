-- Migration 010: accounts an operator disabled (chatapp-admin users disable). A disabled
-- account cannot log in, by password or by resume token; every existing account stays
-- enabled. Also what a deleted account's tombstone is: a disabled row that keeps the id
-- its messages in others' history were sent under.

ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- users.ended: when an operator last ended the account's sessions (disabling, ending its
-- sessions, deleting it), as a number that only grows across all users; a server closes
-- its live connections of any user whose number passes what it has seen (0: never).
ALTER TABLE users ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_by_ended ON users (ended);

-- ended_groups: the groups an operator deleted, numbered the same way, so that every
-- server forgets the members it keeps in memory of each.
CREATE TABLE ended_groups (
    n INTEGER NOT NULL PRIMARY KEY,
    group_id INTEGER NOT NULL
);
