"""The Redis backend of the index (imports redis only when used)."""
