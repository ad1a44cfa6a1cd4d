-- Placeholder for migration 007, which part B of #13 owns: it keeps the numbering
-- without a gap on this branch so that 008 applies. Delete it at the merge, where part
-- B's own 007 takes its place.

UPDATE schema_version SET version = 7;
