-- Migration 006: reserved for friend requests (#13, part A), which number their migration
-- 006; this placeholder changes nothing and only keeps the numbering without a gap on the
-- blocks branch. Delete it when part A's 006 is merged.

UPDATE schema_version SET version = 6;
