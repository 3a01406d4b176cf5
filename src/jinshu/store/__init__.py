"""Persistence: database models, sessions, migrations."""
