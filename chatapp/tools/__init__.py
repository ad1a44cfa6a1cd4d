"""Tools for operators: a local cluster to try, and a chaos run to trust it."""
