"""Run-time storage: the run's workspace on disk (spilled arrays, documents, prepared texts)."""
