"""The rules engine: pure Python, typed, no Django. Public names are re-exported here."""
