"""One record (a mapping or a Document) as a :class:`~dedup.models.Document`: lone
surrogates mended, metadata that is not text left out with a note (or an error, for one
record handed to the library), a date field that reads as no date noted."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ...errors import InputError
from .read import MAX_DOCUMENT_BYTES
from ...models import LONE_SURROGATE, METADATA_FIELDS, Document

_FIELDS = ("id", "text", *METADATA_FIELDS)


def mend_surrogates(record: dict, notes: list[str]) -> dict:
    """Lone UTF-16 surrogates (JSON ``"\\ud800"``) cannot be stored or written as UTF-8:
    each becomes U+FFFD, and each field so mended is noted."""
    mended = None
    for key in _FIELDS:
        value = record.get(key)
        if isinstance(value, str) and not value.isascii() and LONE_SURROGATE.search(value):
            mended = mended if mended is not None else dict(record)
            mended[key] = LONE_SURROGATE.sub("\ufffd", value)
            notes.append(f"field '{key}': lone surrogate escape replaced by U+FFFD")
    return record if mended is None else mended


def _not_text(err: dict) -> bool:
    """A validation error of a metadata field whose value is not text (nor a number,
    which the model reads as text)."""
    return err["type"] == "string_type" and len(err["loc"]) == 1 and err["loc"][0] in METADATA_FIELDS


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # JSON's spelling of the value Python reads
        return ("-" if value < 0 else "") + "Infinity"
    return {dict: "an object", list: "a list"}.get(type(value), f"a {type(value).__name__}")


def _to_document(record: Any, notes: list[str], strict: bool = False) -> Document:
    """``strict``: a metadata value that is not text is an error (one record handed to the
    library, with nowhere for a note); else it is left out with a note, the record kept."""
    if isinstance(record, Document):
        record_fields = {k: getattr(record, k) for k in _FIELDS}
        mended = mend_surrogates(record_fields, notes)
        return record if mended is record_fields else record.model_copy(update=mended)
    if not isinstance(record, dict):
        raise InputError(f"expected an object with 'id' and 'text', got {type(record).__name__}")
    for key in ("id", "text"):
        if key not in record or record[key] is None:
            raise InputError(f"record has no '{key}'")
    record = mend_surrogates(record, notes)
    try:
        doc = Document.model_validate(record)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        odd = {e["loc"][0] for e in errors if _not_text(e)}
        if strict or len(odd) < len(errors):
            err = errors[0]
            field = ".".join(str(p) for p in err["loc"]) or "record"
            why = f"{_kind(record[field])}, not text" if _not_text(err) else err["msg"]
            raise InputError(f"bad field '{field}': {why}") from None
        # an odd optional field never costs a corpus's document
        notes.extend(f"field '{k}': {_kind(record[k])}, not text; left out" for k in METADATA_FIELDS if k in odd)
        doc = Document.model_validate({**record, **dict.fromkeys(odd)})
    if len(doc.text) > MAX_DOCUMENT_BYTES:
        raise InputError(f"text longer than {MAX_DOCUMENT_BYTES:,} characters, the most one document may hold")
    if doc.date and not strict:
        _note_date(doc, notes)
    return doc


def _note_date(doc: Document, notes: list[str]) -> None:
    if not _a_date(doc.date):
        notes.append(f"field 'date': {doc.date[:60]!r} is no date in any day order; the date is read from the text")


def _a_date(value: str) -> bool:
    """Whether a record's date field reads as a full date in some day order (the run's
    order is the prepare stage's to apply): one that reads in none is ignored there, and
    the user is told here ("Febuary 30 2020", "31/02/2020")."""
    from ..dates import DATE_ORDERS, parse_record_date

    # the patterns in every order first (microseconds), dateparser once at most
    return (any(parse_record_date(value, order, guess=False) is not None for order in DATE_ORDERS)
            or parse_record_date(value) is not None)


def to_document(record: Any, notes: list[str] | None = None) -> Document:
    """A Document from a Document or a mapping with at least ``id`` and ``text``.

    A lone surrogate in a string field becomes U+FFFD (:func:`iter_corpus` reports it); a
    metadata value that is not text (nor a number, read as its digits) is an
    :class:`InputError` (:func:`iter_corpus` leaves it out with a note). ``notes``: a list
    that gets a line for each thing mended or ignored (the U+FFFD, a date field that reads
    as no date), as a corpus's problems get them; None: not looked for."""
    doc = _to_document(record, [] if notes is None else notes, strict=True)
    if notes is not None and doc.date:
        _note_date(doc, notes)
    return doc
