"""Tests of chatapp-bench."""
