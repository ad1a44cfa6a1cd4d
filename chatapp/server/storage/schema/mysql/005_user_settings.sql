-- Migration 005: each user's privacy settings. A user without a row has the defaults:
-- anyone may message them (strangers 'everyone'), a search by name prefix may list them,
-- and their read markers are shown to others.

CREATE TABLE user_settings (
    user_id BIGINT NOT NULL,
    strangers VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'everyone',
    findable BOOLEAN NOT NULL DEFAULT TRUE,
    receipts BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (user_id),
    CONSTRAINT user_settings_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT user_settings_strangers CHECK (strangers IN ('everyone', 'requests', 'nobody'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 5;
