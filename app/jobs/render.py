"""Plain-text and Markdown renderings of an answer (CLI output, "copy answer with references").

Source text is data: it is printed as text, never interpreted, and in Markdown it is escaped so that a
source containing link syntax or HTML shows literally. Everything rendered here goes through
`safe_text.printable` first, so escape sequences, control characters and bidi overrides in a source or a
question never reach the terminal or the page.
"""

from __future__ import annotations

import re
import textwrap

from app.engine.answer import Answer, with_kind
from ingest.safe_text import printable

# Only what could turn source text into markup: emphasis, code, links, HTML. Full stops and brackets in
# ordinary prose stay as they are, so pasted notes read cleanly.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+\-]|\d+\.)(\s)", re.MULTILINE)


def escape_md(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", printable(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), text)


def answer_text(answer: Answer, width: int = 100) -> str:
    def fill(text: str, **kw) -> str:
        return textwrap.fill(printable(text), width, **kw)

    out = []
    if answer.abstained:
        out.append(fill(answer.text))
        out += [f"  ! {printable(w)}" for w in answer.warnings]
        if answer.nearest:
            out.append("\nNearest material (not an answer):")
            for n in answer.nearest:
                out.append(fill(f"- {n.title} [{n.passage_id}]: {n.passage}", subsequent_indent="  "))
        return "\n".join(out)
    out.append(fill(answer.text))
    for s in answer.sentences:
        if not s.supported:
            out.append(printable(f"  ! unsupported by its citation: {s.text} {s.note}".rstrip()))
    for w in answer.warnings:
        out.append(f"  ! {printable(w)}")
    out.append("")
    for c in answer.citations:
        out.append(fill(f"[{c.n}] {with_kind(c.label, c.kind)}, {c.passage_id}, characters {c.start}-{c.end}:"))
        out.append(fill(f"“{c.quote}”", initial_indent="    ", subsequent_indent="    "))
    return "\n".join(out)


def answer_markdown(answer: Answer) -> str:
    """The answer with numbered footnotes and a reference list, for pasting into notes."""
    lines = [f"**Q: {escape_md(answer.resolved_question or answer.question)}**", ""]  # notes need no context
    if answer.abstained:
        lines.append(escape_md(answer.text))
        return "\n".join(lines)
    body = " ".join(escape_md(s.text) + "".join(f"[^{n}]" for n in s.citations) for s in answer.sentences)
    lines += [body, ""]
    for c in answer.citations:
        lines.append(f"[^{c.n}]: {escape_md(with_kind(c.label, c.kind))}, {escape_md(c.passage_id)}: "
                     f"“{escape_md(c.quote)}”")
    return "\n".join(lines)
