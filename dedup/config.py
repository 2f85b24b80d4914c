"""Settings shared by every stage, checked once when they are made.

The LSH banding (bands x rows) is derived from one number, ``threshold``, the way
datasketch does it: the split that minimises a weighted area of false positives
below the threshold and false negatives above it. dedup weights false negatives
heavily (``FN_WEIGHT``) because LSH only proposes pairs and alignment decides.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError

# The bound of the settings that count words or documents: more than any corpus holds,
# and within the arrays' integers (10**20 was taken, and written to the index as 1e20).
MAX_COUNT = 2**31 - 1
PAIRWISE = {"min_passage_score": 0.5, "min_passage_tokens": 10, "min_link_tokens": 15}
def _link_follows(settings: dict, default: int) -> dict:
    """``settings`` with ``min_link_tokens``, when not given, at ``default`` or at a larger
    ``min_passage_tokens`` given (as ``--min-link``'s default follows ``--min-passage``)."""
    if "min_link_tokens" in settings:
        return settings
    given = settings.get("min_passage_tokens")
    return {**settings, "min_link_tokens": max(default, given) if type(given) is int else default}


FP_WEIGHT = 0.2
FN_WEIGHT = 0.8


class Config(BaseModel):
    """Every knob of the pipeline. The defaults are the ones the quality benchmark chose."""

    # allow_inf_nan: NaN compares false with every bound, so it would slip past them.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

    def __init__(self, **settings):
        """Check every setting; a bad one raises :class:`ConfigError` (a ValueError)."""
        try:
            super().__init__(**settings)
        except ValidationError as exc:
            raise config_error(exc) from None

    # fingerprint / candidates
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations per segment")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the MinHash permutations")
    shingle_size: int = Field(3, ge=1, le=8, description="words per shingle")
    threshold: float = Field(
        0.3, gt=0.0, lt=1.0, description="segment Jaccard similarity LSH is tuned to find"
    )
    segment_tokens: int = Field(
        40, ge=8, le=1000, description="target words per segment when long paragraphs are cut"
    )
    rare_bigrams: bool = Field(
        True, description="also propose pairs that share word bigrams rare in the corpus "
        "(dedup.stages.inverted): reaches short rewrites that share no MinHash band"
    )
    max_bucket: int = Field(
        200, ge=2, le=MAX_COUNT, description="an LSH bucket larger than this links members to a few, not all"
    )
    # align
    min_passage_tokens: int = Field(
        15, ge=3, le=MAX_COUNT, description="fewest matching words that make a reused passage"
    )
    min_passage_score: float = Field(
        0.8, ge=0.0, le=1.0, description="lowest weighted similarity of a passage's two sides"
    )
    max_gap: int = Field(8, ge=0, le=100, description="unmatched words a passage may bridge")
    max_evalue: float = Field(
        1e-6, gt=0.0, description="a chain of matching words is significant when fewer than this "
        "many chains scoring as well are expected by chance among all the corpus's pairs (dedup.stages.significance)"
    )
    phrase_prior: float = Field(
        20.0, gt=0.0, description="documents of pseudo-count in the phrase model: a word that follows "
        "its one or two words of context in many more other documents than this (a formula) carries "
        "~no evidence of copying, while a phrase that only a story's few copies share keeps much of "
        "it (dedup.stages.significance)"
    )
    min_link_tokens: int = Field(
        30, ge=1, le=MAX_COUNT, description="fewest matching words in all passages to link two documents "
        "(a significant passage links them with fewer)"
    )
    duplicate_coverage: float = Field(
        0.5, gt=0.0, le=1.0, description="coverage both ways above which a link is a duplicate"
    )
    template_links: bool = Field(
        False, description="template links (a formula with new facts) join clusters like copies"
    )
    story_days: float = Field(
        2.0, ge=0.0, le=3650.0, description="one source's takes of a running story, published within this many "
        "days of each other and sharing rare words beyond chance, share a story (dedup.stages.stories; 0: none)"
    )
    story_evalue: float = Field(
        1.0, gt=0.0, description="two such takes share a story when fewer than this many of the source's pairs "
        "in the window are expected to share names as rare by chance (dedup.stages.stories)"
    )
    # boilerplate
    boilerplate_min_docs: int = Field(
        3, ge=2, le=MAX_COUNT, description="a line must recur in this many documents to be judged furniture"
    )
    boilerplate_share: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="share of one source's documents a recurring line must reach",
    )
    boilerplate_similarity: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="a recurring line is furniture when the documents carrying it are otherwise "
        "less similar than this (median best MinHash similarity)",
    )

    # provenance
    date_order: Literal["DMY", "MDY", "YMD"] = Field(
        "DMY",
        description="how an all-numeric date whose day and month could swap (10/03/2017) is "
        "read: DMY day first; MDY or YMD month first",
    )

    @model_validator(mode="before")
    @classmethod
    def _link_follows_passage(cls, data):
        # min_link_tokens not given follows a larger min_passage_tokens (as --min-link's
        # default follows --min-passage): Config(min_passage_tokens=40) was refused for a
        # setting the user never gave
        return _link_follows(data, cls.model_fields["min_link_tokens"].default) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _check(self):
        if self.min_link_tokens < self.min_passage_tokens:
            problem = f"must be at least min_passage_tokens ({self.min_link_tokens} < {self.min_passage_tokens})"
            # a ConfigError passes through pydantic's error as it is (config_error)
            raise ConfigError(f"invalid setting min_link_tokens: {problem}", setting="min_link_tokens",
                              problem=problem)
        bands, rows = lsh_params(self.threshold, self.num_perm)
        if bands * rows > self.num_perm:  # pragma: no cover - lsh_params guarantees it
            raise ValueError("num_perm too small for the threshold")
        return self

    @property
    def bands(self) -> int:
        return lsh_params(self.threshold, self.num_perm)[0]

    @property
    def rows(self) -> int:
        return lsh_params(self.threshold, self.num_perm)[1]

    @classmethod
    def pairwise(cls, **settings) -> "Config":
        """Defaults for judging one pair on its own (:func:`dedup.compare`).

        A corpus run tests many pairs, so chance matches (a shared formula, a quoted
        sentence) are many and the corpus defaults ask for more evidence; a single pair
        has no such multiplicity and no corpus to weigh words by, so shorter, looser
        passages count. Chosen on the Clough & Stevenson corpus (see benchmarks/).
        """
        defaults = {k: v for k, v in PAIRWISE.items() if k != "min_link_tokens"}
        return cls(**_link_follows({**defaults, **settings}, PAIRWISE["min_link_tokens"]))

    def inside_link(self) -> "Config":
        """The passage rules inside a pair already linked: :meth:`pairwise`'s where
        they are looser. The link was judged against every pair of the corpus; the
        passages of a linked pair are a search of that pair alone, as
        :func:`dedup.compare` searches it. Cached: asked once per linked pair."""
        return looser_inside(self) or self

    @classmethod
    def make(cls, **settings) -> "Config":
        """Build a Config (the constructor itself raises :class:`ConfigError`)."""
        return cls(**settings)

    @classmethod
    def model_validate(cls, obj, *args, **kwargs) -> "Config":
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise config_error(exc) from None

    @classmethod
    def model_validate_json(cls, data, *args, **kwargs) -> "Config":
        try:
            return super().model_validate_json(data, *args, **kwargs)
        except ValidationError as exc:
            raise config_error(exc) from None

    def as_dict(self) -> dict:
        """The settings plus the derived banding, as written into reports."""
        out = self.model_dump()
        out["bands"], out["rows"] = self.bands, self.rows
        return out


def config_error(exc: ValidationError, noun: str = "setting", unknown: str = "no such setting") -> ConfigError:
    """pydantic's report of the first bad setting as one line naming it (``noun``: what a
    field of the model is called; ``unknown``: what a name it does not have is told)."""
    err = exc.errors(include_url=False)[0]
    if isinstance(err.get("ctx", {}).get("error"), ConfigError):  # model_validate goes through __init__
        return err["ctx"]["error"]
    name = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "finite_number":
        msg = "must be a finite number, not nan or inf"
    elif err["type"] == "extra_forbidden":
        msg = unknown
    elif msg.startswith("Input should be "):
        msg = "must be " + msg.removeprefix("Input should be ")
    if not name:  # a rule across settings: its text names them
        return ConfigError(f"invalid settings: {msg}", problem=msg)
    if err["type"] not in ("extra_forbidden", "missing"):
        msg += f" (got {err['input']!r})"
    return ConfigError(f"invalid {noun} {name}: {msg}", setting=name, problem=msg)


@lru_cache(maxsize=16)
def looser_inside(cfg: Config) -> Config | None:
    """:meth:`Config.inside_link` when some rule there is looser than ``cfg``'s, else None
    (asked once per linked pair: cheaper than comparing every setting)."""
    update = {k: min(getattr(cfg, k), PAIRWISE[k]) for k in ("min_passage_tokens", "min_passage_score")}
    return None if all(getattr(cfg, k) == v for k, v in update.items()) else cfg.model_copy(update=update)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows minimising the weighted false positive/negative area around ``threshold``."""
    import numpy as np  # here, not at the top: the command line's --help reads Config's defaults

    lo = np.linspace(0.0, threshold, 101)
    hi = np.linspace(threshold, 1.0, 101)
    best = (np.inf, 1, 1)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p_lo = 1.0 - (1.0 - lo**rows) ** bands
            p_hi = 1.0 - (1.0 - hi**rows) ** bands
            err = FP_WEIGHT * np.trapezoid(p_lo, lo) + FN_WEIGHT * np.trapezoid(1 - p_hi, hi)
            if err < best[0]:
                best = (err, bands, rows)
    return best[1], best[2]


def given_config(config, default: Callable[[], Config] = Config) -> Config:
    """The ``config`` argument of a library call: a :class:`Config`, or None for
    ``default()``. A dict of settings or anything else is a TypeError that says how to
    make one (an AttributeError from deep inside the run said nothing)."""
    if config is None:
        return default()
    if not isinstance(config, Config):
        raise TypeError(f"config must be a dedup.Config (dedup.Config(**settings)), not {type(config).__name__}")
    return config


def given_progress(progress):
    """The ``progress`` argument: None, or a callable taking ``(stage, done, total)``;
    else a TypeError before any work (it was first called once a stage had run, or a
    batch of the index had been committed)."""
    if progress is None:
        return None
    if not callable(progress):
        raise TypeError(f"progress must be a callable progress(stage, done, total) or None, not "
                        f"{type(progress).__name__}")
    import inspect

    try:
        signature = inspect.signature(progress)
    except (TypeError, ValueError):  # a builtin that does not say: called as it is
        return progress
    try:
        signature.bind("stage", 0, 0)
    except TypeError:
        raise TypeError(f"progress must take three arguments, progress(stage, done, total); "
                        f"{getattr(progress, '__name__', 'it')}{signature} does not") from None
    return progress


def given_fields(fields):
    """The ``fields`` argument: None or a :class:`~dedup.models.FieldMap` (a dict of names
    was an AttributeError from deep inside the reading)."""
    from .models import FieldMap

    if fields is not None and not isinstance(fields, FieldMap):
        raise TypeError(f"fields must be a dedup.FieldMap (dedup.FieldMap(id='newid', ...)), not {type(fields).__name__}")
    return fields


def given_inputs(inputs):
    """The ``inputs`` argument as given (paths, records, or an iterable of them): None, a
    number or a boolean is a TypeError naming it (None was read as one bad record)."""
    if inputs is None or isinstance(inputs, (bool, numbers.Number)):
        raise TypeError(f"inputs must be paths, documents or records (or an iterable of them), not "
                        f"{type(inputs).__name__}")
    return inputs


def given_path(value, name: str):
    """A path argument (``work_dir``): None, a string or a path-like object."""
    if value is not None and not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path (a string or os.PathLike) or None, not {type(value).__name__}")
    return value


def given_jobs(jobs):
    """The ``jobs`` argument: None (all cores) or a whole number (under 1 means 1)."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral)):
        raise TypeError(f"jobs must be a whole number of processes or None, not {type(jobs).__name__}")
    return None if jobs is None else max(1, int(jobs))
