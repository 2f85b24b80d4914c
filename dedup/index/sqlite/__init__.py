"""The SQLite backend of the index."""
