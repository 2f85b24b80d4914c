import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.fingerprint import combine, segment_shingles, shingle_hash32, signatures

token_hashes = st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(token_hashes, st.integers(1, 5), st.sampled_from([16, 64, 128]), st.integers(0, 2**32 - 1))
def test_vectorized_signature_equals_datasketch(tokens, n, num_perm, seed):
    arr = np.asarray(tokens, dtype=np.uint64)
    bounds = np.asarray([0, len(arr)])
    sh, owner = segment_shingles(arr, bounds, n)
    ours = signatures(sh, owner, 1, num_perm, seed)[0]

    m = min(n, len(tokens))
    ref = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32)
    for i in range(len(tokens) - m + 1):
        ref.update(tuple(tokens[i : i + m]))
    assert ours.tolist() == [int(v) for v in ref.hashvalues]


def test_combine_matches_scalar_hash():
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 2**63, 20, dtype=np.uint64)
    got = combine(arr, 3).tolist()
    want = [shingle_hash32(tuple(int(x) for x in arr[i : i + 3])) for i in range(18)]
    assert got == want


def test_segments_get_their_own_signatures_and_chunking_is_invisible():
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 2**63, 70000, dtype=np.uint64)  # crosses the block size
    bounds = np.asarray([0, 10, 35000, 70000])
    sh, owner = segment_shingles(arr, bounds, 3)
    sig = signatures(sh, owner, 3, 32, 1)
    for s in range(3):
        one_sh, one_owner = segment_shingles(arr[bounds[s] : bounds[s + 1]], np.asarray([0, bounds[s + 1] - bounds[s]]), 3)
        assert sig[s].tolist() == signatures(one_sh, one_owner, 1, 32, 1)[0].tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=12), min_size=1, max_size=8), st.integers(1, 5))
def test_segments_of_many_documents_shingle_in_one_call(segments, n):
    """One call over concatenated segments (CSR bounds, empty and short ones included)
    gives each segment's shingles as the scalar hash does, in segment then position order."""
    arr = np.asarray([h for seg in segments for h in seg], dtype=np.uint64)
    bounds = np.cumsum([0] + [len(seg) for seg in segments])
    sh, owner = segment_shingles(arr, bounds, n)
    want_sh, want_owner = [], []
    for s, seg in enumerate(segments):
        m = min(n, len(seg))
        for i in range(len(seg) - m + 1 if seg else 0):
            want_sh.append(shingle_hash32(tuple(seg[i : i + m])))
            want_owner.append(s)
    assert sh.dtype == np.uint32 and owner.dtype == np.int64
    assert sh.tolist() == want_sh and owner.tolist() == want_owner


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_permutations_are_datasketchs(num_perm, seed):
    from dedup.stages.fingerprint import permutations

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = permutations(num_perm, seed)
    assert [x.dtype for x in ours] == [np.uint32, np.uint32]
    assert ours[0].tolist() == a.tolist() and ours[1].tolist() == b.tolist()


def test_signatures_do_not_import_datasketch():
    """datasketch imports SciPy (a second of CPU per run); the signatures do not need it."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from dedup.stages.fingerprint import signatures; "
            "signatures(np.arange(5, dtype=np.uint32), np.zeros(5, np.int64), 1, 16, 1); "
            "print('datasketch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
