-- Migration 008: groups with roles and privacy. A group is public (anyone may join) or
-- invite-only, and its `history` says what a newcomer reads: 'all' of it, or only what
-- was said from their joining on. Each member keeps their joining point (`joined_mid`, a
-- message id of that moment: 0 for members from before this migration, who read
-- everything) and a role that may now also be 'admin', so group_members is rebuilt to
-- change its CHECK (SQLite cannot alter one). Existing groups stay public with all their
-- history; existing creators and members keep their roles.

ALTER TABLE chat_groups ADD COLUMN is_public INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chat_groups ADD COLUMN history TEXT NOT NULL DEFAULT 'all'
    CHECK (history IN ('all', 'joined'));

CREATE TABLE group_members_008 (
    group_id INTEGER NOT NULL REFERENCES chat_groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('creator', 'admin', 'normal')),
    joined_mid INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

INSERT INTO group_members_008 (group_id, user_id, role)
SELECT group_id, user_id, role FROM group_members;

DROP TABLE group_members;
ALTER TABLE group_members_008 RENAME TO group_members;
CREATE INDEX group_members_by_user ON group_members (user_id, group_id);

-- A pending invitation into a group: one per group and invitee, spent when answered.
CREATE TABLE group_invitations (
    group_id INTEGER NOT NULL REFERENCES chat_groups(id),
    invitee_id INTEGER NOT NULL REFERENCES users(id),
    inviter_id INTEGER NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, invitee_id)
) WITHOUT ROWID;

CREATE INDEX group_invitations_by_invitee ON group_invitations (invitee_id, group_id);
