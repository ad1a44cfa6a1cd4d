-- Migration 008: groups with roles and privacy. A group is public (anyone may join) or
-- invite-only, and its `history` says what a newcomer reads: 'all' of it, or only what
-- was said from their joining on. Each member keeps their joining point (`joined_mid`, a
-- message id of that moment: 0 for members from before this migration, who read
-- everything) and a role that may now also be 'admin'. Existing groups stay public with
-- all their history; existing creators and members keep their roles.

ALTER TABLE chat_groups
    ADD COLUMN is_public BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN history VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'all',
    ADD CONSTRAINT chat_groups_history CHECK (history IN ('all', 'joined'));

ALTER TABLE group_members DROP CONSTRAINT group_members_role;

ALTER TABLE group_members
    ADD COLUMN joined_mid BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT group_members_role CHECK (role IN ('creator', 'admin', 'normal'));

-- A pending invitation into a group: one per group and invitee, spent when answered.
CREATE TABLE group_invitations (
    group_id BIGINT NOT NULL,
    invitee_id BIGINT NOT NULL,
    inviter_id BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (group_id, invitee_id),
    KEY group_invitations_by_invitee (invitee_id, group_id),
    CONSTRAINT group_invitations_group FOREIGN KEY (group_id) REFERENCES chat_groups (id),
    CONSTRAINT group_invitations_invitee FOREIGN KEY (invitee_id) REFERENCES users (id),
    CONSTRAINT group_invitations_inviter FOREIGN KEY (inviter_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 8;
