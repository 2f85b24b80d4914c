"""``python -m dedup`` runs the CLI."""

from .cli import main

if __name__ == "__main__":  # not again in a worker process started by spawn (Dask's LocalCluster)
    main()
