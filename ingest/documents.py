"""Documents: read source files from disk into text plus metadata, refusing what cannot be read.

Reads `.txt`, `.md` and `.html` files, decoding UTF-8, UTF-16 (with a byte order mark, or recognised by
its zero bytes) or, failing those, Windows-1252 (the usual encoding of text pasted from Word); attaches
the metadata in `corpus/sources.toml` when the file is listed there, and sensible defaults for a user's
own files, whose id comes from their path inside the folder given (so two folders' `notes.txt` are two
documents). PDF and Word files are read by formats.py, which keeps their pages and headings. A file that
is empty, binary, too large, unreadable, scanned, encrypted, of an unknown type or a link leading out of
the folder becomes a `Skipped` with a one-line reason, never an exception. Cleaning and splitting happen
later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .formats import MAX_PACKED_BYTES, Unreadable, read_docx, read_pdf

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
PACKED = {".pdf": read_pdf, ".docx": read_docx}  # formats that hold their text inside a container
SUFFIXES = TEXT_SUFFIXES | set(PACKED)
MAX_BYTES = 20_000_000  # a 20 MB text file is a book shelf, not a reading: refuse rather than hang


@dataclass
class SourceInfo:
    id: str
    title: str
    kind: str
    reliability: str
    file: str
    repairs: list[str] = field(default_factory=list)  # the clean.py repairs this file needs


@dataclass
class RawDocument:
    path: Path
    info: SourceInfo
    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # where each page starts in `text` (PDF); empty: no pages
    headings: list[str] = field(default_factory=list)  # lines the file's own structure marks as headings
    removed: list[str] = field(default_factory=list)  # page furniture the format reader took out (PDF)


@dataclass
class Skipped:
    path: Path
    reason: str


def load_sources(path: Path) -> dict[str, SourceInfo]:
    """corpus/sources.toml, keyed by original file name."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    infos = [SourceInfo(**{k: s.get(k, [] if k == "repairs" else "") for k in SourceInfo.__dataclass_fields__}) for s in data.get("source", [])]
    return {i.file: i for i in infos}


@dataclass(frozen=True)
class Found:
    """A file to read, and the folder it was found in (a file given by itself: its own folder)."""

    path: Path
    root: Path


def _part(name: str) -> str:
    # A name with no Latin letters or digits (Cyrillic, Chinese) gets a short hash of itself, so that
    # two such files stay two documents.
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or hashlib.sha256(name.encode()).hexdigest()[:8]


def document_id(path: Path, root: Path, prefix: str | None = None) -> str:
    """A readable id that is unique and stable for a file: its path inside the folder it was ingested
    from, with that folder's name first (`week3/notes.txt` -> `week3-notes`), or `prefix` instead of the
    folder's name ("" for files uploaded in the app, whose folder is Footnote's own)."""
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    first = root.name if prefix is None else prefix
    parts = [first, *relative.parent.parts, path.stem] if first else [*relative.parent.parts, path.stem]
    s = "-".join(_part(p) for p in parts if p not in ("", ".", ".."))
    if len(s) > 60:  # long paths keep their start, and a hash of the whole so that they stay apart
        s = s[:51].rstrip("-") + "-" + hashlib.sha256(s.encode()).hexdigest()[:8]
    return s


class _TextExtractor(HTMLParser):
    """HTML to text with paragraph breaks; script, style and navigation are dropped. The standard
    library parser is enough for saved web pages and keeps a dependency out."""

    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}
    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skipping:  # a script inside <title> is still a script
            return
        if self._in_title:
            self.title += data
        else:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(html)
    text = "".join(parser.parts)
    text = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", clean_title(parser.title)


def utf16(data: bytes) -> str | None:
    """The UTF-16 codec of `data`, if it is UTF-16: a byte order mark, or text whose every other byte
    is zero (what English text looks like in UTF-16 without a mark, as some Windows tools save it)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:8192]
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4:
        if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """UTF-16 when it is that, UTF-8 (with or without BOM), else Windows-1252. Returns (text, encoding)."""
    codec = utf16(data)
    if codec:
        try:
            return data.decode(codec), "utf-16"
        except UnicodeDecodeError:
            pass  # zero bytes in the right places but not UTF-16: the binary check decides
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def looks_binary_text(text: str) -> bool:
    """The same test on decoded text (for UTF-16, whose bytes are full of zeros)."""
    head = text[:8192]
    control = sum(1 for c in head if c < "\t" or "\r" < c < " ")
    return "\x00" in head or control > len(head) * 0.05


def clean_title(title: str) -> str:
    """A title is plain words: any script, style or tag in it goes, whether the page wrote it as markup
    or escaped it (`&lt;script&gt;`), and so do control characters."""
    t = re.sub(r"<(script|style)\b.*?(</\1\s*>|$)", " ", title, flags=re.I | re.S)
    t = re.sub(r"<[^>]*>?", " ", t)
    t = re.sub(r"[\x00-\x1f\x7f<>]", " ", t)
    return " ".join(t.split())[:120]


def _title(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        s = clean_title(line.strip().lstrip("#").strip())
        if 3 <= len(s) <= 120:
            return s
    return fallback


def _too_large(path: Path, size: int, limit: int = MAX_BYTES) -> Skipped:
    return Skipped(path, f"is too large ({size // 1_000_000} MB; the limit is {limit // 1_000_000} MB)")


def unsupported(path: Path) -> str:
    """Why a file of this type is not read, in one line."""
    suffix = path.suffix.lower()
    if suffix in (".doc", ".rtf", ".odt", ".pages"):
        return f"is a {suffix} file; save it as .docx (Word) or PDF and add that"
    return f"not a .txt, .md, .html, .pdf or .docx file ({path.suffix or 'no extension'})"


def _info(path: Path, root: Path, sources: dict[str, SourceInfo], title: str, prefix: str | None) -> SourceInfo:
    return sources.get(path.name) or SourceInfo(
        id=document_id(path, root, prefix),
        title=title,
        kind="your document",
        reliability="Added by you; Footnote knows nothing about where it comes from.",
        file=path.name,
    )


def read(path: Path, sources: dict[str, SourceInfo], root: Path | None = None,
         prefix: str | None = None) -> RawDocument | Skipped:
    """Read one file found in `root` (default: its own folder); a Skipped (with the reason) if it cannot
    be used. `prefix` replaces the folder's name at the start of the id (see document_id)."""
    root = root if root is not None else path.parent
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return Skipped(path, unsupported(path))
    outside = _leads_outside(path, root)
    if outside:
        return outside
    limit = MAX_PACKED_BYTES if suffix in PACKED else MAX_BYTES
    try:
        # The size is checked before reading, and no more than the limit is ever read (the file may grow).
        size = path.stat().st_size
        if size > limit:
            return _too_large(path, size, limit)
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        return Skipped(path, f"cannot be read ({e.strerror or e})")
    if len(data) > limit:
        return _too_large(path, len(data), limit)
    if not data.strip():
        return Skipped(path, "is empty")
    if suffix in PACKED:
        return _read_packed(path, root, sources, data, prefix)
    codec = utf16(data)
    if codec is None and looks_binary(data):
        return Skipped(path, "looks like a binary file, not text")
    text, encoding = decode(data)
    if not text.strip():
        return Skipped(path, "is empty")
    if looks_binary_text(text):
        return Skipped(path, "looks like a binary file, not text")
    notes = [] if encoding == "utf-8" else [f"not UTF-8: read as {encoding}"]
    html_title = ""
    if path.suffix.lower() in {".html", ".htm"}:
        text, html_title = html_to_text(text)
    info = _info(path, root, sources, html_title or _title(text, path.stem), prefix)
    return RawDocument(path=path, info=info, text=text, encoding=encoding, notes=notes)


def _capitalised(s: str) -> str:
    return s[:1].upper() + s[1:]


def _read_packed(path: Path, root: Path, sources: dict[str, SourceInfo], data: bytes,
                 prefix: str | None) -> RawDocument | Skipped:
    """A PDF or Word file, through its reader in formats.py."""
    suffix = path.suffix.lower()
    try:
        got = PACKED[suffix](data)
    except Unreadable as e:
        return Skipped(path, str(e))
    if len(got.text) > MAX_BYTES:
        return Skipped(path, f"holds too much text ({len(got.text) // 1_000_000} MB; the limit is "
                             f"{MAX_BYTES // 1_000_000} MB)")
    # A PDF's or Word file's first line is a whole paragraph: its title is its own (metadata, first
    # heading), else its file name.
    title = clean_title(got.title) or clean_title(got.headings[0] if got.headings else "") \
        or _capitalised(clean_title(re.sub(r"[_-]+", " ", path.stem))) or path.stem
    info = _info(path, root, sources, title, prefix)
    return RawDocument(path=path, info=info, text=got.text, encoding=suffix.lstrip("."), notes=got.notes,
                       pages=got.pages, headings=got.headings, removed=got.removed)


def _leads_outside(path: Path, root: Path) -> Skipped | None:
    """A symbolic link whose target is not inside `root` is never followed: a link in a shared folder
    must not smuggle /etc/passwd or someone's home folder into the index."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Skipped(path, "is a broken link; not followed")
    real_root = root.resolve()
    if target != real_root and real_root not in target.parents:
        return Skipped(path, "is a link to something outside the folder; not followed")
    return None


def collect(paths: list[Path]) -> tuple[list[Found], list[Skipped]]:
    """Expand folders into their readable files (sorted); a missing path becomes a Skipped. Links to
    folders are not entered (their files are either in the folder anyway or outside it), and links to
    files outside the folder are skipped, with the reason."""
    files, skipped = [], []
    for p in paths:
        if p.is_dir():
            found, links = [], []
            for folder, dirs, names in os.walk(p, followlinks=False):
                here = Path(folder)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                links += [here / d for d in dirs if (here / d).is_symlink()]
                found += [here / n for n in names if not n.startswith(".")]
            found.sort()
            skipped += [Skipped(d, "is a link to a folder; not followed") for d in sorted(links)]
            for f in found:
                if f.suffix.lower() not in SUFFIXES:
                    if f.name != "sources.toml":
                        skipped.append(Skipped(f, unsupported(f)))
                    continue
                outside = _leads_outside(f, p)
                if outside:
                    skipped.append(outside)
                elif f.is_file():
                    files.append(Found(f, p))
        elif p.exists() or p.is_symlink():
            outside = _leads_outside(p, p.parent)
            if outside:
                skipped.append(outside)
            else:
                files.append(Found(p, p.parent))
        else:
            skipped.append(Skipped(p, "does not exist"))
    return files, skipped


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]
