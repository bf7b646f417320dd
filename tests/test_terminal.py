"""Nothing any `footnote` command prints can act on a terminal: hostile file names, titles and text pass
through one sanitiser (ingest/safe_text.py) on every path to standard output and standard error.

One small index is built from files whose names and titles carry the probe's escapes: ESC ] 0 ; ... BEL
(retitles a terminal window), ESC [ 31 m (colour), U+202E (reverses text), U+009B (an 8-bit CSI), and a
line break in a file name (which made `footnote ingest` print one more skipped line than it counted).
Then every command runs on it, in this process, with the real model."""

from __future__ import annotations

import pytest

from app.cli import main
from ingest.safe_text import BIDI_CONTROLS

TITLE = "\x1b]0;pwned\x07Window \x1b[31mred\x1b[0m \u202eevil\u202c \x9b31m title"
FILES = {
    "\x1b]0;owned\x07litvinov.txt": "Litvinov\nMaxim Litvinov argued for collective security against Nazi Germany. "
                                   "Litvinov was dismissed in May 1939 \x1b[2J and replaced by Molotov.\n",
    "\x1b[31mred\u202e.txt": "Munich\nThe Munich Conference of September 1938 excluded the Soviet Union \u202eevil.\n",
    "c1\x9b.html": f"<html><head><title>{TITLE}</title></head><body><p>The Nazi-Soviet Pact was signed in "
                   "August 1939. Stalin signed it to buy time.</p></body></html>",
    "new\nline.txt": "",  # empty: skipped, and its name must stay on one line
    "bell\x07.txt": "\x00\x01\x02binary\x00" * 50,  # binary: skipped
}


def acts(text: str) -> list[str]:
    """Characters a terminal would obey rather than show."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0 or c in BIDI_CONTROLS]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "readings"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return root, folder


def run(args, root, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(root / "index"))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_prints_hostile_names_as_text_and_counts_what_it_printed(hostile, monkeypatch, capsys):
    root, folder = hostile
    code, out, err = run(["ingest", str(folder)], root, monkeypatch, capsys)
    assert code == 0, err
    assert not acts(out) and not acts(err)
    skipped = [line for line in out.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 2 and f"; {len(skipped)} skipped;" in out.splitlines()[-1]
    assert any("new\\nline.txt: is empty" in line for line in skipped)
    assert "ingested 3 documents" in out


COMMANDS = [
    ["sources"], ["status"], ["notebooks"],
    ["ask", "Why was Litvinov dismissed?"], ["ask", "--json", "Why was Litvinov dismissed?"],
    ["ask", "\x1b]0;x\x07Why did Stalin sign the \u202ePact?"],
    ["plan", "Why did Stalin sign the Nazi-Soviet Pact?"], ["debate"], ["timeline"], ["timeline", "--json"],
    ["check", "--question", "Why did Stalin sign the pact?", "--answer", "-"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_command_prints_nothing_that_acts(hostile, monkeypatch, capsys, args):
    root, folder = hostile
    if not (root / "index").exists():
        run(["ingest", str(folder)], root, monkeypatch, capsys)
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(
        "Stalin signed the pact \x1b[31min 1939\x1b[0m \u202eto buy time.\n".encode())))
    code, out, err = run(args, root, monkeypatch, capsys)
    assert code in (0, 1, 2), err
    assert out or err
    assert not acts(out), (args, [hex(ord(c)) for c in acts(out)])
    assert not acts(err), (args, [hex(ord(c)) for c in acts(err)])


def test_a_source_title_is_listed_on_one_line_without_its_escapes(hostile, monkeypatch, capsys):
    root, folder = hostile
    if not (root / "index").exists():
        run(["ingest", str(folder)], root, monkeypatch, capsys)
    code, out, err = run(["sources"], root, monkeypatch, capsys)
    line = next(line for line in out.splitlines() if "c1" in line)
    assert "Window" in line and "evil" in line and line.endswith("title") and not acts(line)
