-- Migration 007: a placeholder on the branch of the people part (#13 D), so that 009 applies
-- here; part blocks's own migration 007 takes its place when the parts are merged.

UPDATE schema_version SET version = 7;
