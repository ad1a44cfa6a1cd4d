-- Migration 010: accounts an operator disabled (chatapp-admin users disable). A disabled
-- account cannot log in, by password or by resume token; every existing account stays
-- enabled. Also what a deleted account's tombstone is: a disabled row that keeps the id
-- its messages in others' history were sent under.

ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

-- users.ended: when an operator last ended the account's sessions (disabling, ending its
-- sessions, deleting it), as a number that only grows across all users; a server closes
-- its live connections of any user whose number passes what it has seen (0: never).
ALTER TABLE users
    ADD COLUMN ended BIGINT NOT NULL DEFAULT 0,
    ADD KEY users_by_ended (ended);

-- ended_groups: the groups an operator deleted, numbered the same way, so that every
-- server forgets the members it keeps in memory of each.
CREATE TABLE ended_groups (
    n BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    PRIMARY KEY (n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 10;
