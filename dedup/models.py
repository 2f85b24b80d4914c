"""Pydantic models at the library's boundaries: what goes in and what the report says.

Field names follow the JSON format documented in the README; they are a public contract.
"""

from __future__ import annotations

import math
import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_serializer, field_validator

# A document's optional text fields beside its id and text (numbers in them are read as text)
METADATA_FIELDS = ("title", "date", "source", "url", "author")
LinkKind = Literal["duplicate", "partial", "template"]
Role = Literal["origin", "copy", "partial", "template"]
# A lone UTF-16 surrogate (JSON "\ud800"; in a Python str every surrogate is lone): UTF-8 cannot encode it
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Document(BaseModel):
    """One input article. Only ``id`` and ``text`` are required."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    text: str
    title: Optional[str] = None
    date: Optional[str] = None
    source: Optional[str] = None
    url: Optional[str] = None
    author: Optional[str] = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, value):
        # JSONL corpora often carry numeric ids; they are names, not numbers. A table
        # whose id column has a gap holds them as floats (pandas writes 123.0): digits too.
        if isinstance(value, bool):
            raise ValueError("id must be a string or an integer")
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("id is NaN (a table's missing number), not a name")
        if isinstance(value, float) and math.isinf(value):
            raise ValueError(f"id is {value!r}, not a name")
        value = id_text(value)
        if isinstance(value, str) and not value.isascii() and (bad := LONE_SURROGATE.search(value)):
            # pydantic's own refusal ("unable to parse raw data as a unicode string") names no place
            raise ValueError(f"id holds a lone surrogate (U+{ord(bad.group()):04X}) at character {bad.start()}: "
                             f"not text; replace it (the readers of files write U+FFFD there, with a note)")
        return value

    @field_validator(*METADATA_FIELDS, mode="before")
    @classmethod
    def _number_to_str(cls, value, info):
        # Tables and JSON carry numbers here too (epoch dates, a numeric title): their
        # digits, as an id's. NaN is a table's missing number (pandas writes it so): none.
        # So is a blank string, as a CSV's empty cell is: a source "" is no site (it
        # would make every such document one site's, its lines furniture, its takes a story).
        if value is None:
            return value
        if type(value) is str:  # nearly always
            return value if value and not value.isspace() else None
        if isinstance(value, float):
            if math.isnan(value):
                return None
            return number_text(value) if math.isfinite(value) else value
        return value if isinstance(value, bool) else _int_text(value, info.field_name)

    @field_serializer("id", "text", *METADATA_FIELDS, when_used="json")
    def _utf8(self, value):
        # JSON is written as UTF-8: a lone surrogate there is U+FFFD, one code point for one
        # (as the readers mend it). Kept as given in the model: the doc store and a
        # report's text_of hold the text as it came, and the readers note what they mend.
        if not isinstance(value, str) or value.isascii():
            return value
        return LONE_SURROGATE.sub("\ufffd", value)


def id_text(value):
    """A numeric id as the name it is stored under: an integer as its digits, a finite
    float as :func:`number_text` (anything else, booleans too, as it is)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return number_text(value) if math.isfinite(value) else value
    return _int_text(value, "id")


def number_text(value: float) -> str:
    """A finite float as a name: an integral one as its digits (123.0: "123"), else its repr."""
    return str(int(value)) if value.is_integer() else repr(value)


def _int_text(value, field: str):
    """An integer as its digits (anything else as it is)."""
    if not isinstance(value, int):
        return value
    try:
        return str(value)
    except ValueError:  # past Python's digit limit: no name is that long
        raise ValueError(f"{field} is an integer too long to be a name") from None


class FieldMap(BaseModel):
    """Which field (JSONL key, CSV/TSV column, Parquet column) holds each Document field.

    ``FieldMap(id="newid")`` reads Reuters-21578 as shipped; a field the record lacks is
    left empty (``id`` and ``text`` must be there)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **names):
        """A bad name raises :class:`~dedup.errors.ConfigError` (a ValueError), one line; a
        misspelled field (``idd=``) too, as ``Config`` refuses a setting it does not know."""
        from pydantic import ValidationError

        try:
            super().__init__(**names)
        except ValidationError as exc:
            from .config import config_error

            raise config_error(exc, "field name", f"no such field (the fields: {', '.join(FieldMap.model_fields)})") \
                from None

    id: str = Field("id", min_length=1)
    text: str = Field("text", min_length=1)
    title: str = Field("title", min_length=1)
    date: str = Field("date", min_length=1)
    source: str = Field("source", min_length=1)
    url: str = Field("url", min_length=1)
    author: str = Field("author", min_length=1)

    def is_default(self) -> bool:
        return self == FieldMap()


class Problem(BaseModel):
    """An input that was skipped, and why; or, with ``skipped`` false, one that was read
    with a change the user should know of (a guessed encoding, a replaced character)."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: Optional[int] = None
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class Passage(BaseModel):
    """A reused passage: ``source_text[source_start:source_end]`` ~ ``target_text[target_start:target_end]``."""

    model_config = ConfigDict(frozen=True)

    source_start: int
    source_end: int
    target_start: int
    target_end: int
    score: float


class Comparison(BaseModel):
    """What two texts share: passages, how close they are, and how much of each they cover."""

    model_config = ConfigDict(frozen=True)

    kind: Optional[LinkKind]
    score: float
    coverage_source: float
    coverage_target: float
    passages: list[Passage]


class Link(BaseModel):
    """A directed link, earlier document (``source``) to later (``target``)."""

    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    kind: LinkKind
    score: float
    coverage_source: float
    coverage_target: float
    passages: list[Passage]


class Member(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    date: Optional[str]
    title: Optional[str]
    source: Optional[str]
    coverage: float
    role: Role


class Cluster(BaseModel):
    """Documents joined by links. ``kind``: ``duplicate`` when duplicate links alone
    connect them, ``partial`` when copy links (duplicate, partial) do, else ``template``."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: LinkKind
    size: int
    origin: str
    members: list[Member]
    links: list[Link]


class Nearest(BaseModel):
    """A document's nearest earlier candidate (:mod:`dedup.stages.nearest`): the one, dated
    no later, that holds the largest share of its distinct word trigrams."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    shared: float  # the share of this document's word trigrams the other holds, 0..1


class DocumentInfo(BaseModel):
    """Per-document facts: extracted metadata, how much of the text is content, and the
    candidate it shares most with, linked or not (graded evidence for every document)."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: Optional[str]
    date: Optional[str]
    source: Optional[str]
    url: Optional[str] = None
    author: Optional[str] = None
    credits: list[str]
    chars: int
    content_chars: int
    cluster: Optional[str]
    nearest: Optional[Nearest] = None
    # the running story: its copy clusters and one source's other takes (dedup.stages.stories)
    story: Optional[str] = None


class Report(BaseModel):
    """The result of :func:`dedup.cluster`."""

    model_config = ConfigDict(frozen=True)

    clusters: list[Cluster]
    # template series (documents joined by template links only), kept out of the copy
    # clusters; empty when the ``template_links`` setting puts them into the clusters
    templates: list[Cluster] = []
    # links that merge no clusters, with their passages: a stray link between two stories
    # (a bridge) or a compilation's link to an item of another story (dedup.stages.cluster)
    bridges: list[Link] = []
    documents: list[DocumentInfo]
    problems: list[Problem]
    config: dict
    _texts: dict = PrivateAttr(default_factory=dict)

    def text_of(self, doc_id: str) -> str | None:
        """The original text of a document of this run (not serialized)."""
        return self._texts.get(doc_id)
