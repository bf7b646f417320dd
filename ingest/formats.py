"""Formats: the text of a PDF (its text layer, page by page) and of a Word .docx (its paragraphs and
tables), with the structure each format knows and plain text does not: PDF pages and outline entries,
Word heading styles.

A PDF's visual lines are joined back into paragraphs (a passage may not cross a paragraph, so a page of
one-line "paragraphs" would cite half sentences), running headers, footers and page numbers are taken
out and reported like any other cleaning, and the offset where each page starts is kept so that a
citation can say "p. 12". Nothing here reads images: a scanned PDF has no text layer and is refused
with the reason. Every failure is an `Unreadable` with a one-line reason, never a traceback. This module
does not decide ids or metadata (documents.py) and does not clean junk (clean.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from .errors import first_line
from .limits import MAX_DOCX_XML_BYTES
from .passages import is_heading

# A PDF or .docx carries images and fonts beside its text: a 100-page reading can be 30 MB. Beyond
# this it is not one reading.
MAX_PACKED_BYTES = 50_000_000
# A .docx is a zip: what it unpacks to is checked before python-docx unpacks it (a "zip bomb" of a few
# KB can unpack to gigabytes).
MAX_UNPACKED_BYTES = 200_000_000
# Lines a page repeats at its top or bottom on at least this share of pages are running headers or footers.
FURNITURE_SHARE = 0.5

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_ENDS_PARAGRAPH = tuple(".!?:;\"”’)")


class Unreadable(Exception):
    """The file cannot be used; the message says why in one line."""


@dataclass
class Extracted:
    text: str
    title: str = ""
    pages: list[int] = field(default_factory=list)  # offset in `text` where each page starts (PDF only)
    headings: list[str] = field(default_factory=list)  # lines the document itself marks as headings
    removed: list[str] = field(default_factory=list)  # running headers, footers and page numbers taken out
    notes: list[str] = field(default_factory=list)


# --- PDF -------------------------------------------------------------------------------------------


def read_pdf(data: bytes) -> Extracted:
    import logging

    from pypdf import PdfReader

    # pypdf logs what it repairs in a damaged file ("EOF marker not found"); the reason we give is enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only to restrict printing, with an empty password: those read.
            try:
                opened = reader.decrypt("")
            except Exception:  # an encryption pypdf cannot open without extra packages
                opened = 0
            if not opened:
                raise Unreadable("is encrypted (password-protected); save an unprotected copy and add that")
        pages = list(reader.pages)
    except Unreadable:
        raise
    except Exception as e:  # pypdf raises many types for damaged files
        raise Unreadable(f"is not a readable PDF (damaged, or not really a PDF: {first_line(e)})") from e
    if not pages:
        raise Unreadable("is a PDF with no pages")

    texts, unreadable = [], []
    for n, page in enumerate(pages, 1):
        try:
            texts.append(_page_lines(page))
        except Exception:  # one damaged page costs only itself
            texts.append([])
            unreadable.append(n)
    if not any(any(c.isalpha() for c in line.text) for lines in texts for line in lines):
        raise Unreadable("scanned: no text to read; OCR it first")

    notes = []
    if unreadable:
        notes.append(f"page{'s' if len(unreadable) > 1 else ''} {_ranges(unreadable)} could not be read and "
                     "are left out")
    blank = [n for n, lines in enumerate(texts, 1) if not lines and n not in unreadable]
    if blank and len(blank) < len(texts):
        notes.append(f"page{'s' if len(blank) > 1 else ''} {_ranges(blank)} have no text layer (scanned or "
                     "images only) and are left out")
    texts, removed = _drop_furniture(texts)
    outline = _outline_titles(reader)
    text, starts, headings = _reflow(texts, outline)
    title = _pdf_title(reader)
    return Extracted(text=text, title=title, pages=starts, headings=headings, removed=removed, notes=notes)


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8])
    return shown + (f" and {len(numbers) - 8} more" if len(numbers) > 8 else "")


@dataclass
class Line:
    """A visual line of a page, with where it starts on the page (None when pypdf could not say)."""

    text: str
    x: float | None = None
    y: float | None = None


def _page_lines(page) -> list[Line]:
    """A page's lines with spaces tidied (so that cleaning finds nothing left to change in them), each
    with the position of its first character, which tells paragraph breaks from line wraps."""
    chunks: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        chunks.append((text, tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    text = (page.extract_text(visitor_text=visit) or "").replace("\r", "\n")
    if "".join(c[0] for c in chunks).replace("\r", "\n") != text:  # positions do not line up: text only
        chunks = [(text, None, None)]
    lines, current, at = [], "", None
    for piece, x, y in chunks:
        for i, part in enumerate(piece.replace("\r", "\n").split("\n")):
            if i:
                lines.append(Line(current, *(at or (None, None))))
                current, at = "", None
            if part.strip() and at is None and x is not None:
                at = (x, y)
            current += part
    lines.append(Line(current, *(at or (None, None))))
    out = []
    for line in lines:
        line.text = " ".join(line.text.replace("\u00a0", " ").split())
        if line.text:
            out.append(line)
    return out


def _shape(line: str) -> str:
    """A line with its numbers blanked, so 'History 10 — page 3' and '... page 4' count as one header."""
    return re.sub(r"\d+", "#", line.casefold())


def _drop_furniture(pages: list[list[Line]]) -> tuple[list[list[Line]], list[str]]:
    """Take out running headers and footers (a line a page repeats at its top or bottom on most pages)
    and page numbers at a page's top or bottom; return the pages and what was taken out."""
    edge = Counter()
    for lines in pages:
        edge.update({_shape(x.text) for x in lines[:2] + lines[-2:]})
    need = max(2, FURNITURE_SHARE * sum(1 for lines in pages if lines))
    repeated = {s for s, n in edge.items() if n >= need} if len(pages) > 1 else set()
    out, removed = [], []
    for lines in pages:
        keep = list(lines)
        for end in (0, -1):  # top, then bottom, at most two lines each
            for _ in range(2):
                if keep and (_shape(keep[end].text) in repeated or _PAGE_NUMBER.match(keep[end].text)):
                    removed.append(keep.pop(end).text)
        out.append(keep)
    return out, removed


def _outline_titles(reader) -> dict[int, list[str]]:
    """The PDF's outline (bookmarks): the titles of its entries by the page they point to (0-based)."""
    found: dict[int, list[str]] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
                title = " ".join(str(item.title).split())
            except Exception:  # an entry pointing nowhere
                continue
            if title and page is not None and page >= 0:
                found.setdefault(page, []).append(title)

    try:
        walk(reader.outline)
    except Exception:  # a damaged outline is no outline
        return {}
    return found


def _joined(paragraph: str, line: str) -> str:
    """Append a visual line to a paragraph: a word hyphenated across the line break is joined when the
    whole word is a word ('inter-' 'national'), and kept hyphenated when it is not ('well-' 'known')."""
    if not paragraph:
        return line
    if paragraph.endswith("-") and line[:1].islower() and paragraph[-2:-1].isalpha():
        from wordfreq import zipf_frequency

        head = re.search(r"(\w+)-$", paragraph)
        tail = re.match(r"\w+", line)
        if head and tail and zipf_frequency((head.group(1) + tail.group(0)).lower(), "en") >= 2.5:
            return paragraph[:-1] + line
        return paragraph + line
    return paragraph + " " + line


def _gaps(lines: list[Line]) -> list[float]:
    return [a.y - b.y for a, b in zip(lines, lines[1:], strict=False)
            if a.y is not None and b.y is not None and 0 < a.y - b.y < 200]


def _breaks(lines: list[Line], spacing: float | None) -> set[int]:
    """The lines of one page that open a paragraph by their position: a gap above them clearly wider
    than the document's usual line spacing, or a first-line indent."""
    if not spacing or not any(x.x is not None for x in lines):
        return set()
    left = min(x.x for x in lines if x.x is not None)
    out = set()
    for i in range(1, len(lines)):
        a, b = lines[i - 1], lines[i]
        if a.y is None or b.y is None:
            continue
        if a.y - b.y > 1.3 * spacing or a.y - b.y < 0 or (b.x is not None and b.x - left > 8 and a.x is not None
                                                            and abs(a.x - left) < 2):
            out.add(i)
    return out


def _reflow(pages: list[list[Line]], outline: dict[int, list[str]]) -> tuple[str, list[int], list[str]]:
    """Join visual lines into paragraphs (one per line of the result, blank lines between them); a
    paragraph may run on from one page to the next. A paragraph ends at a wider gap or an indent (where
    the PDF says where its lines are), or at a short line ending a sentence. Returns the text, the
    offset where each page starts and the lines that are headings (outline entries, or a short
    heading-like line opening a paragraph)."""
    lengths = sorted(len(x.text) for lines in pages for x in lines)
    typical = max(40, lengths[int(len(lengths) * 0.8)] if lengths else 40)
    gaps = sorted(g for lines in pages for g in _gaps(lines))
    spacing = gaps[len(gaps) // 4] if gaps else None  # the tighter quartile: lines within a paragraph
    paragraphs: list[str] = []
    current = ""
    headings: list[str] = []
    page_at: list[tuple[int, int]] = []  # (paragraph index, offset in it) of each page's first character

    def flush():
        nonlocal current
        if current:
            paragraphs.append(current)
        current = ""

    for n, page in enumerate(pages):
        titles = {" ".join(t.split()).casefold() for t in outline.get(n, [])}
        breaks = _breaks(page, spacing)
        page_at.append((len(paragraphs), len(current) + 1 if current else 0))
        for i, item in enumerate(page):
            line = item.text
            if i in breaks:
                flush()
            if line.casefold() in titles or (not current and len(line) < 0.7 * typical and is_heading(line)):
                flush()
                paragraphs.append(line)
                headings.append(line)
                continue
            current = _joined(current, line)
            if len(line) < 0.8 * typical and line.endswith(_ENDS_PARAGRAPH):
                flush()
    flush()

    offsets, at = [], 0
    for p in paragraphs:
        offsets.append(at)
        at += len(p) + 2
    text = "\n\n".join(paragraphs) + "\n"
    starts = [min(offsets[i] + off, len(text)) if i < len(offsets) else len(text) for i, off in page_at]
    return text, starts, headings


def _pdf_title(reader) -> str:
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        return ""
    # Word and print drivers write the file name as the title ("Microsoft Word - week3.docx"): no title.
    if not title or re.search(r"\.(docx?|pdf|odt|rtf)$|^microsoft word|^untitled", title, re.I):
        return ""
    return title


# --- Word ------------------------------------------------------------------------------------------


def read_docx(data: bytes) -> Extracted:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise Unreadable(f"unpacks to {unpacked // 1_000_000} MB (the limit is "
                                 f"{MAX_UNPACKED_BYTES // 1_000_000} MB); it is not one reading")
            xml = sum(i.file_size for i in z.infolist() if i.filename.lower().endswith(".xml"))
            if xml > MAX_DOCX_XML_BYTES:
                raise Unreadable(f"holds {xml // 1_000_000} MB of Word XML (the limit is "
                                 f"{MAX_DOCX_XML_BYTES // 1_000_000} MB: reading that much takes minutes); "
                                 "it is not one reading")
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        paragraphs, headings = [], []
        for child in document.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                p = Paragraph(child, document)
                line = " ".join(p.text.split())
                if not line:
                    continue
                style = (p.style.name if p.style is not None else "") or ""
                if style == "Title" or style.startswith("Heading"):
                    headings.append(line)
                paragraphs.append(line)
            elif tag == "tbl":
                for row in Table(child, document).rows:
                    cells = [" ".join(c.text.split()) for c in row.cells]
                    cells = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]  # merged cells repeat
                    if cells:
                        paragraphs.append(" | ".join(cells))
        title = " ".join((document.core_properties.title or "").split())
    except Unreadable:
        raise
    except Exception as e:  # zipfile, lxml and python-docx raise many types for damaged files
        raise Unreadable(f"is not a readable Word document (damaged, or not really a .docx: {first_line(e)})") from e
    if not any(any(c.isalpha() for c in p) for p in paragraphs):
        raise Unreadable("is a Word document with no text")
    return Extracted(text="\n\n".join(paragraphs) + "\n", title=title, headings=headings)


# --- pages in the clean text -----------------------------------------------------------------------


def page_starts(raw: str, starts: list[int], clean: str) -> list[int]:
    """Where each page starts in the clean text, given where it starts in the extracted text. Cleaning
    removes lines (and may change a few), so each page's opening words are found again in the clean text,
    in order; a page whose opening was removed starts where the words after it are found, and a page with
    nothing left starts where the next one does."""
    found: list[int | None] = []
    cursor = 0
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(raw)
        at = None
        for skip in range(0, max(1, end - s), 40):  # try the page's opening, then later windows of it
            window = raw[s + skip : min(end, s + skip + 40)].strip()
            if len(window) < 8 and skip:
                break
            if not window:
                break
            hit = clean.find(window, cursor)
            if hit >= 0:
                at = max(cursor, hit - skip)
                cursor = hit
                break
        found.append(at)
    out, nxt = [0] * len(found), len(clean)
    for i in range(len(found) - 1, -1, -1):  # a page with nothing found starts where the next one does
        nxt = found[i] if found[i] is not None else nxt
        out[i] = nxt
    if out:
        out[0] = 0  # the first page starts the text, whatever cleaning took from its top
    return [min(x, y) for x, y in zip(out, out[1:] + [len(clean)], strict=True)]


def page_of(starts: list[int], offset: int) -> int | None:
    """The page (1-based) holding this offset of the clean text, or None for a text without pages."""
    if not starts:
        return None
    from bisect import bisect_right

    return max(1, bisect_right(starts, offset))


# What the Sources page says the PDF reader's own cleaning removed (its report sits beside the rules').
FURNITURE_RULE = ("page_furniture", "Running headers, footers and page numbers that a PDF repeats at the top "
                                    "or bottom of its pages.")
