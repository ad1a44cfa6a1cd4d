-- Placeholder for migration 006, which part A of #13 owns: it keeps the numbering
-- without a gap on this branch so that 008 applies. Delete it at the merge, where part
-- A's own 006 takes its place.

UPDATE schema_version SET version = 6;
