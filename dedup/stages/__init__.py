"""The pipeline stages (ingest, normalize/segment, fingerprint, candidates, align, cluster,
provenance, report) and the corpus statistics they share. A stage imports no engine."""
