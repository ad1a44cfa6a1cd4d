-- Migration 001: the initial chatapp schema for SQLite (the embedded default).
-- Rules as for the MySQL migrations: statements end with ";" at the end of a line; the
-- server sets PRAGMA user_version to the file's number after applying it.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

CREATE TABLE friends (
    user_id INTEGER NOT NULL REFERENCES users(id),
    friend_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;

CREATE TABLE chat_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES chat_groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('creator', 'normal')),
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

CREATE INDEX group_members_by_user ON group_members (user_id, group_id);

CREATE TABLE offline_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind INTEGER NOT NULL,
    sender_id INTEGER NOT NULL,
    sender_name TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    sent_time TEXT NOT NULL,
    mid INTEGER NOT NULL,
    ts INTEGER NOT NULL
);

CREATE INDEX offline_messages_by_user ON offline_messages (user_id, id);
