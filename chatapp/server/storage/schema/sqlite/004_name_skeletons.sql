-- Migration 004: the confusable skeleton of each user and group name (Unicode TR39; the
-- server computes it, see chatapp/server/text.py), kept as the SHA-256 of the skeleton in
-- hex. A name whose skeleton is here already is refused as taken, so that no two
-- names can pass for one another. Names from before this migration are added by the
-- server as it starts; one that looks like another already there keeps its name but not
-- a row here.

CREATE TABLE name_skeletons (
    skeleton TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER REFERENCES users(id),
    group_id INTEGER REFERENCES chat_groups(id)
) WITHOUT ROWID;

CREATE INDEX name_skeletons_by_user ON name_skeletons (user_id);
CREATE INDEX name_skeletons_by_group ON name_skeletons (group_id);
