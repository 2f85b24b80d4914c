"""Peer baselines.  Each takes records with ``id`` and ``text`` and returns ``(labels, seconds)``.

``python -m benchmarks.peers --corpus DIR [--peers ...]`` scores them on a generated corpus.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import xxhash

Records = list[dict]


class PeerUnavailable(RuntimeError):
    """The peer cannot run in this environment; the message says why in one line."""


class _UF:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, x: int) -> int:
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


_TOKEN = re.compile(r"\w+")


def word_bigrams(text: str) -> set[bytes]:
    toks = _TOKEN.findall(text.lower())
    return {f"{a} {b}".encode("utf-8") for a, b in zip(toks, toks[1:])}


def datasketch_recipe(records: Records, threshold: float = 0.45, num_perm: int = 256,
                      bulk: bool = True) -> tuple[dict[str, str], float]:
    """MinHash over lowercased word 2-grams, MinHashLSH(threshold), union-find over LSH hits.

    This is text-dedup's best NEWS-COPY setting rebuilt on datasketch.  ``bulk=True`` uses
    ``MinHash.bulk`` (batched numpy hashing, same signatures); ``bulk=False`` is the naive
    path, one ``MinHash.update_batch`` per document.  Documents with no bigram stay alone
    (an empty MinHash would collide with every other empty one).
    """
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    shingles = [word_bigrams(r["text"]) for r in records]
    keep = [i for i, s in enumerate(shingles) if s]
    if bulk:
        sigs = MinHash.bulk([list(shingles[i]) for i in keep], num_perm=num_perm, seed=1)
    else:
        sigs = []
        for i in keep:
            m = MinHash(num_perm=num_perm, seed=1)
            m.update_batch(list(shingles[i]))
            sigs.append(m)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, m in zip(keep, sigs):
        lsh.insert(i, m, check_duplication=False)
    uf = _UF(len(records))
    for i, m in zip(keep, sigs):
        for j in lsh.query(m):
            uf.union(i, j)
    labels = {r["id"]: records[uf.find(i)]["id"] for i, r in enumerate(records)}
    return labels, time.perf_counter() - t


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def exact_hash(records: Records) -> tuple[dict[str, str], float]:
    """Documents whose NFKC + casefold + whitespace-collapsed text is identical share a cluster."""
    t = time.perf_counter()
    labels = {r["id"]: xxhash.xxh3_128_hexdigest(normalize(r["text"]).encode("utf-8")) for r in records}
    return labels, time.perf_counter() - t


# text-dedup 0.4.1 needs Python >= 3.12 (the project venv is 3.11) and 0.4.0 pulls
# pyspark/datasets/onnxruntime and downgrades rich, so it lives in its own venv and is
# driven through its click entry points in a subprocess.
TEXT_DEDUP_PYTHON = os.environ.get("TEXT_DEDUP_PYTHON", "/tmp/td-venv/bin/python")
_DRIVER = """
import importlib, json, pickle, sys
algo, out = sys.argv[1], sys.argv[2]
importlib.import_module("text_dedup." + algo).main.main(args=sys.argv[3:], standalone_mode=False)
with open(out + "/uf.pkl", "rb") as fh:
    uf = pickle.load(fh)
json.dump({str(k): str(uf.find(k)) for k in list(uf.parent)}, open(out + "/labels.json", "w"))
"""


def _text_dedup(records: Records, algo: str, extra: list[str], timeout: float) -> tuple[dict[str, str], float]:
    if not Path(TEXT_DEDUP_PYTHON).exists():
        raise PeerUnavailable(f"text-dedup: no interpreter at {TEXT_DEDUP_PYTHON} (0.4.1 needs Python>=3.12; "
                              "install text-dedup==0.4.0 in a separate venv and set TEXT_DEDUP_PYTHON)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        out = Path(tmp) / "out"
        args = [TEXT_DEDUP_PYTHON, "-c", _DRIVER, algo, str(out), "--path", "json", "--data_files", str(src),
                "--split", "train", "--column", "text", "--idx_column", "id", "--output", str(out),
                "--debug", "--num_proc", "1", "--cache_dir", str(Path(tmp) / "cache"), *extra]
        env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TQDM_DISABLE="1")
        t = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
        dt = time.perf_counter() - t
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            raise PeerUnavailable(f"text-dedup {algo} failed: {last[:200]}")
        found = json.loads((out / "labels.json").read_text())
    # Docs text-dedup never touched (too short, or no duplicate) are singletons.
    return {r["id"]: found.get(r["id"], r["id"]) for r in records}, dt


def text_dedup_minhash(records: Records, timeout: float = 1800) -> tuple[dict[str, str], float]:
    """text-dedup MinHash with its NEWS-COPY setting (word 2-grams, 256 perms, threshold 0.45).

    Time includes the subprocess start-up and HF datasets I/O, as a user would see it.
    """
    return _text_dedup(records, "minhash", ["--ngram", "2", "--num_perm", "256", "--threshold", "0.45",
                                            "--min_length", "2"], timeout)


def text_dedup_simhash(records: Records, timeout: float = 1800) -> tuple[dict[str, str], float]:
    """text-dedup SimHash with its defaults (3-grams, 64 bits, bit_diff 3, 4 buckets)."""
    return _text_dedup(records, "simhash", ["--ngram", "3", "--f", "64", "--bit_diff", "3",
                                            "--num_bucket", "4"], timeout)


PEERS = {"exact_hash": exact_hash, "datasketch_recipe": datasketch_recipe,
         "text_dedup_minhash": text_dedup_minhash, "text_dedup_simhash": text_dedup_simhash}


def main(argv: list[str] | None = None) -> int:
    from .score import load_truth, score, whole_doc_pairs

    ap = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__)
    ap.add_argument("--corpus", required=True, help="directory with corpus.jsonl and truth.jsonl")
    ap.add_argument("--peers", nargs="+", default=list(PEERS), choices=list(PEERS))
    a = ap.parse_args(argv)
    d = Path(a.corpus)
    with open(d / "corpus.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    lengths = {r["id"]: len(r["text"]) for r in records}
    truth = load_truth(d / "truth.jsonl")
    for name in a.peers:
        try:
            labels, dt = PEERS[name](records)
        except PeerUnavailable as e:
            print(json.dumps({"peer": name, "unavailable": str(e)}))
            continue
        m = score(truth, labels, whole_doc_pairs(labels, lengths), lengths)
        m = {k: round(v, 4) for k, v in m.items()}
        print(json.dumps({"peer": name, "seconds": round(dt, 2), "docs_per_s": round(len(records) / dt), **m}))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
