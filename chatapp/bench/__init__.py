"""chatapp-bench: a load generator that sizes a chatapp deployment over the current protocol."""
