"""Documents: read source files from disk into text plus metadata, refusing what cannot be read.

Reads `.txt`, `.md` and `.html` files, decoding UTF-8 or, failing that, Windows-1252 (the usual
encoding of text pasted from Word); attaches the metadata in `corpus/sources.toml` when the file is
listed there, and sensible defaults for a user's own files. A file that is empty, binary or unreadable
becomes a `Skipped` with a one-line reason, never an exception. Cleaning and splitting happen later.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
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


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s[:60] or "document"


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
        if self._in_title:
            self.title += data
        elif not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(html)
    text = "".join(parser.parts)
    text = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", parser.title.strip()


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1252. Returns (text, encoding)."""
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


def _title(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        s = line.strip().lstrip("#").strip()
        if 3 <= len(s) <= 120:
            return s
    return fallback


def read(path: Path, sources: dict[str, SourceInfo]) -> RawDocument | Skipped:
    """Read one file; a Skipped (with the reason) if it cannot be used."""
    if path.suffix.lower() not in SUFFIXES:
        return Skipped(path, f"not a .txt, .md or .html file ({path.suffix or 'no extension'})")
    try:
        data = path.read_bytes()
    except OSError as e:
        return Skipped(path, f"cannot be read ({e.strerror or e})")
    if not data.strip():
        return Skipped(path, "is empty")
    if len(data) > MAX_BYTES:
        return Skipped(path, f"is too large ({len(data) // 1_000_000} MB; the limit is {MAX_BYTES // 1_000_000} MB)")
    if looks_binary(data):
        return Skipped(path, "looks like a binary file, not text")
    text, encoding = decode(data)
    notes = [] if encoding == "utf-8" else [f"not UTF-8: read as {encoding}"]
    html_title = ""
    if path.suffix.lower() in {".html", ".htm"}:
        text, html_title = html_to_text(text)
    info = sources.get(path.name) or SourceInfo(
        id=slug(path.stem),
        title=html_title or _title(text, path.stem),
        kind="your document",
        reliability="Added by you; Footnote knows nothing about where it comes from.",
        file=path.name,
    )
    return RawDocument(path=path, info=info, text=text, encoding=encoding, notes=notes)


def collect(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand folders into their readable files (sorted); a missing path becomes a Skipped."""
    files, skipped = [], []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            files += [f for f in found if f.suffix.lower() in SUFFIXES]
            skipped += [Skipped(f, f"not a .txt, .md or .html file ({f.suffix or 'no extension'})")
                        for f in found if f.suffix.lower() not in SUFFIXES and f.name != "sources.toml"]
        elif p.exists():
            files.append(p)
        else:
            skipped.append(Skipped(p, "does not exist"))
    return files, skipped


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]
