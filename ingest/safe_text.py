"""Text from sources and questions made safe for where it is shown. Stored text keeps the original.

Sources are scraped from anywhere and questions are typed by anyone, so either may carry characters
that act instead of showing: ANSI escape sequences and other control characters (a terminal obeys
them: clear the screen, retitle the window, rewrite a line), and the Unicode bidi overrides and
isolates (U+202A-U+202E, U+2066-U+2069), which display the text after them reversed or reordered, in
a browser as in a terminal. Right-to-left letters need none of these to display correctly, so they are
removed, not replaced. Invalid bytes and lone surrogates become U+FFFD, which prints everywhere.

- `printable` is for what a person reads: the terminal (every line `footnote` prints passes through it,
  app/cli.py) and the app's pages (app/pages/ui.py).
- `one_line` is `printable` for a value that is one line by nature (a file name, a title): a line break
  in it is shown as \\n, so it cannot start a line of its own.
- `json_line` keeps every character but writes the risky ones as JSON escapes.
- `decode` reads bytes of unknown quality (arguments, standard input, --file).
This module transforms strings; it knows nothing of answers or pages. It lives in ingest/, the lowest
layer, so that ingest's own messages and every room of app/ use the one sanitiser.
"""

from __future__ import annotations

import json
import os
import re

REPLACEMENT = "\ufffd"

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# ECMA-48 sequences introduced by ESC: CSI (ESC [ parameters, intermediates, final byte); OSC, DCS,
# SOS, PM and APC strings up to their terminator (BEL or ST), or at most to the end of the line so that a
# stray one cannot hide the rest of a passage; and two-character ESC sequences. Their 8-bit C1 forms are
# single control characters, removed with the others below, which leaves their parameters as plain text.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\n]*?(?:\x07|\x1b\\|(?=\n)|\Z)"
    r"|\x1b[ -~]?",
)
_SURROGATE = re.compile("[\ud800-\udfff]")

# C0 and C1 controls and DEL go; tab and newline stay, and the line-moving ones (carriage return,
# vertical tab, form feed) become spaces so that the words either side stay apart.
_TABLE = {c: None for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
_TABLE |= {ord("\t"): "\t", ord("\n"): "\n", ord("\r"): " ", ord("\v"): " ", ord("\f"): " "}
_TABLE |= {ord(c): None for c in BIDI_CONTROLS}

# Characters a JSON line writes as \uXXXX escapes: controls json.dumps leaves raw (DEL, C1), the bidi
# controls, the line separators some readers split on, and surrogates (which cannot be encoded).
_JSON_RISKY = re.compile("[\x7f-\x9f\u2028\u2029" + BIDI_CONTROLS + "\ud800-\udfff]")


def repair(text: str) -> str:
    """Lone surrogates (what Python makes of undecodable bytes in arguments) become U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)


def printable(text: str) -> str:
    """Text to show a person: escape sequences, control characters (but tab and newline) and bidi
    controls removed, surrogates replaced. Applying it twice changes nothing."""
    text = str(text).replace("\r\n", "\n")
    return repair(_ESCAPE_SEQUENCE.sub("", text)).translate(_TABLE)


def one_line(text) -> str:
    """`printable`, kept on one line: newlines and tabs are shown as the two characters \\n and \\t."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def json_line(obj) -> str:
    """`obj` as one line of JSON that shows nothing but itself in a terminal: non-ASCII text stays
    readable, and the characters that act (or cannot be encoded) are written as \\uXXXX escapes, which
    any JSON reader turns back into the original."""
    return _JSON_RISKY.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False))


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 bytes as text, invalid bytes replaced by U+FFFD; and whether any were."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def argument(arg: str) -> tuple[str, bool]:
    """A command-line argument as text: Python hands undecodable bytes over as surrogates; they are
    decoded again from the original bytes, so what could be read is kept and the rest replaced."""
    if not _SURROGATE.search(arg):
        return arg, False
    try:
        return decode(os.fsencode(arg))
    except UnicodeEncodeError:  # a surrogate that did not come from a byte: nothing to recover
        return repair(arg), True
