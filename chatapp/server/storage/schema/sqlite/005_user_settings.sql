-- Migration 005: each user's privacy settings. A user without a row has the defaults:
-- anyone may message them (strangers 'everyone'), a search by name prefix may list them,
-- and their read markers are shown to others.

CREATE TABLE user_settings (
    user_id INTEGER NOT NULL PRIMARY KEY REFERENCES users(id),
    strangers TEXT NOT NULL DEFAULT 'everyone'
        CHECK (strangers IN ('everyone', 'requests', 'nobody')),
    findable INTEGER NOT NULL DEFAULT 1,
    receipts INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
