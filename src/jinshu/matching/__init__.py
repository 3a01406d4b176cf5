"""Evaluating whole registries: tables, the set-based batch engine, and (later) matching."""
