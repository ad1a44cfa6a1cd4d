-- Migration 010: accounts an operator disabled (chatapp-admin users disable). A disabled
-- account cannot log in, by password or by resume token; every existing account stays
-- enabled. Also what a deleted account's tombstone is: a disabled row that keeps the id
-- its messages in others' history were sent under.

ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE schema_version SET version = 10;
