-- Migration 004: the confusable skeleton of each user and group name (Unicode TR39; the
-- server computes it, see chatapp/server/text.py), kept as the SHA-256 of the skeleton in
-- hex. A name whose skeleton is here already is refused as taken, so that no two
-- names can pass for one another. Names from before this migration are added by the
-- server as it starts; one that looks like another already there keeps its name but not
-- a row here.

CREATE TABLE name_skeletons (
    skeleton CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id BIGINT NULL,
    group_id BIGINT NULL,
    PRIMARY KEY (skeleton),
    KEY name_skeletons_by_user (user_id),
    KEY name_skeletons_by_group (group_id),
    CONSTRAINT name_skeletons_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT name_skeletons_group FOREIGN KEY (group_id) REFERENCES chat_groups (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

UPDATE schema_version SET version = 4;
