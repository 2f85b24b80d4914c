"""Reading HTML: the page's bytes to text (byte-order mark, declared charset, else
guessed), then its main text and metadata extracted with trafilatura.

Extraction is tuned for precision (``favor_precision``, no comments, no tables): a
menu, share bar or footer that slips into the text would be shared by every page of a
site and link pages that copy nothing. The metadata (title, publication date by
htmldate, site name, canonical / og:url, author) becomes the Document's fields; the
document's text, and every offset of the report, is the extracted text.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from .read import _BOMS, Skip, decode, read_bounded

# trafilatura and htmldate log what they could not find; the library never prints (a
# handler of the application's own still sees them: a NullHandler only keeps Python's
# last-resort handler from writing warnings to stderr).
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
MAX_DATE = "2200-12-31"  # the latest publication date read from markup (the text's bound in dates.py)
_SNIFF = 4096  # the HTML standard's prescan looks at the first 1024 bytes; pages put <meta> later too
_HTML_MARK = re.compile(rb"<\s*(html|head|body|p|div|article|title|!doctype)\b", re.I)
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# Code points XML 1.0 forbids (C0 controls but tab and line ends, U+FFFE, U+FFFF): lxml
# refuses a tree that holds one, and trafilatura then finds no text in the whole page.
_NOT_XML = frozenset([*range(0x9), 0xB, 0xC, *range(0xE, 0x20), 0xFFFE, 0xFFFF])


def charset_of(content_type: str | None) -> str | None:
    """The ``charset=`` of an HTTP Content-Type value."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return m.group(1) if m else None


def _codec(name: str | None) -> codecs.CodecInfo | None:
    """The decoder of a declared charset label, looked up in the WHATWG Encoding
    standard's table (webencodings), as a browser does: only the web's text encodings
    (Python's ``rot13``, ``base64`` or ``undefined`` are no page's charset), and the
    labels browsers read differently mapped their way (``iso-8859-1`` is windows-1252:
    pages that declare it use its curly quotes)."""
    import webencodings

    enc = webencodings.lookup(name.decode("ascii", "replace") if isinstance(name, bytes) else name) if name else None
    return enc.codec_info if enc is not None else None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Text of an HTML page and, when the encoding had to be guessed, a note saying so.

    Order: a byte-order mark; the charset ``declared`` (an HTTP header), else the one in
    a ``<meta>`` tag; else UTF-8; else the guess of charset-normalizer (noted). A declared
    charset the bytes do not fit is noted and the encoding guessed."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return decode(data)
    note = None
    m = _META_CHARSET.search(data[:_SNIFF])
    name = declared or (m.group(1).decode("ascii", "replace") if m else None)
    codec = _codec(name)
    if codec is not None and codec.name in ("utf-16-le", "utf-16-be"):  # a page read as ASCII declares no such thing
        codec = codecs.lookup("utf-8")
    if codec is not None:
        try:
            return codec.decode(data)[0], None
        except UnicodeDecodeError as exc:
            note = f"declared charset {name} does not fit (bad byte at {exc.start})"
    elif name:
        note = f"unknown declared charset {name!r}"
    text, guessed = decode(data)
    if note:
        return text, f"{note}; {guessed or 'read as UTF-8'}"
    return text, guessed


def extract(html: str, url: str | None = None, fallback_date: str | None = None) -> dict:
    """The main text and metadata of a page, as Document fields (without ``id``).

    The date is the original publication date, sought in this order: what the markup
    states (meta tags, JSON-LD, ``<time datetime>``, the URL; htmldate on the page
    without its text); else none here when the extracted text prints a date in its head
    (dedup's own finder reads it later, as for a text file, with the run's date order);
    else htmldate's search of the page's text; else ``fallback_date`` (an archive's
    ``WARC-Date``, the crawl's date). htmldate alone, even with ``original_date``, takes
    an "Updated ..." line of the text when no markup names a date.

    Raises :class:`Skip` when the page has no main text or cannot be parsed."""
    import trafilatura
    from trafilatura.settings import set_date_params

    if "<" not in html:
        raise Skip("no HTML markup in the page")
    if "&#" in html:
        html = _CHAR_REF.sub(_xml_char, html)
    try:
        found = trafilatura.bare_extraction(
            html, url=url, favor_precision=True, include_comments=False, include_tables=False,
            with_metadata=True, deduplicate=False,
            # No extensive search of the whole page's text for dates (see the order above).
            # A fixed latest date, not today's (the default): a page's date must not
            # depend on the day or time zone it is read in (dates.py's bound).
            date_extraction_params={**set_date_params(extensive=False), "max_date": MAX_DATE},
        )
        text = getattr(found, "text", None) if found is not None else None
        if not text or not text.strip():
            raise Skip(_too_deep(html) or "no main text found in the HTML page")
        date = _markup_date(html, _clean(found.url) or url)
    except Skip:
        raise
    except Exception as exc:  # lxml and trafilatura raise many kinds on hostile markup
        raise Skip(f"HTML not parsed: {type(exc).__name__}: {exc}"[:300]) from None
    if date is None and not _text_dated(text):
        date = _clean(found.date) or fallback_date
    return {
        "text": text,
        "title": _clean(found.title),
        "date": date,
        "source": _clean(found.sitename),
        "url": _clean(found.url) or url,
        "author": _clean(found.author),
    }


def _xml_char(m: re.Match) -> str:
    """A character reference as it was, or U+FFFD for a code point XML forbids (one
    ``&#8;`` anywhere in a page would lose all its text)."""
    cp = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return "\ufffd" if cp in _NOT_XML else m.group(0)


def _too_deep(html: str) -> str | None:
    """Why a page's text cannot be reached when its elements nest deeper than the parser
    (libxml2) goes: it stops there, and what is below is never seen."""
    from lxml import etree

    parser = etree.HTMLParser()
    try:
        etree.fromstring(html, parser)
    except Exception:  # noqa: BLE001 - only the error log is wanted
        pass
    if any("Excessive depth" in e.message for e in parser.error_log):
        return "HTML nested too deeply to parse (over 255 levels of elements); no text read"
    return None


def _markup_date(html: str, url: str | None) -> str | None:
    """The publication date the page's markup states, by htmldate on the page with its
    text removed (the JSON-LD scripts kept): meta tags, JSON-LD, ``<time datetime>``, URL."""
    from htmldate import find_date
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
        if tree is None:
            return None
        for el in [el for el in tree.iter() if not isinstance(el.tag, str)]:  # comments, instructions
            if el.getparent() is not None:
                el.getparent().remove(el)
        for el in tree.iter():
            if not (el.tag == "script" and "json" in (el.get("type") or "")):
                el.text = None
            el.tail = None
        return _clean(find_date(tree, url=url, original_date=True, extensive_search=False,
                                outputformat="%Y-%m-%d", deferred_url_extractor=True, max_date=MAX_DATE))
    except Exception:  # noqa: BLE001 - hostile markup: no date from it, the page is still read
        return None


def _text_dated(text: str) -> bool:
    """Whether the article's head prints a date (in any day/month order dedup reads)."""
    from ..dates import DATE_ORDERS, find_date

    return any(find_date(text, order) is not None for order in DATE_ORDERS)


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def read_html_file(path: Path, doc_id: str | None) -> tuple[dict, str | None]:
    """A Document record of an HTML file (id: its path id) and a note on its encoding."""
    data = read_bounded(path)
    if not data.strip():
        raise Skip("empty document")
    text, note = decode_html(data)
    record = extract(text)
    record["id"] = doc_id
    return record, note


def html_file_work(_state, item: tuple[Path, str | None]) -> tuple:
    """:func:`read_html_file` as a worker's task: ``(record, note)``, or ``(error, None)``
    with the :class:`Skip` or ``OSError`` to raise where the result is used."""
    try:
        return read_html_file(*item)
    except (Skip, OSError) as exc:
        return exc, None
