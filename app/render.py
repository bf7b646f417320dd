"""Plain-text and Markdown renderings of an answer (CLI output, "copy answer with references").

Source text is data: it is printed as text, never interpreted, and in Markdown it is escaped so that a
source containing link syntax or HTML shows literally.
"""

from __future__ import annotations

import re
import textwrap

from .answer import Answer

# Only what could turn source text into markup: emphasis, code, links, HTML. Full stops and brackets in
# ordinary prose stay as they are, so pasted notes read cleanly.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+\-]|\d+\.)(\s)", re.MULTILINE)


def escape_md(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), text)


def answer_text(answer: Answer, width: int = 100) -> str:
    out = []
    if answer.abstained:
        out.append(textwrap.fill(answer.text, width))
        if answer.nearest:
            out.append("\nNearest material (not an answer):")
            for n in answer.nearest:
                out.append(textwrap.fill(f"- {n.title} [{n.passage_id}]: {n.passage}", width, subsequent_indent="  "))
        return "\n".join(out)
    out.append(textwrap.fill(answer.text, width))
    for s in answer.sentences:
        if not s.supported:
            out.append(f"  ! unsupported by its citation: {s.text} {s.note}".rstrip())
    for w in answer.warnings:
        out.append(f"  ! {w}")
    out.append("")
    for c in answer.citations:
        out.append(textwrap.fill(f"[{c.n}] {c.title} ({c.kind}), {c.passage_id}, characters {c.start}-{c.end}:",
                                 width))
        out.append(textwrap.fill(f"“{c.quote}”", width, initial_indent="    ", subsequent_indent="    "))
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
        lines.append(f"[^{c.n}]: {escape_md(c.title)} ({escape_md(c.kind)}), {escape_md(c.passage_id)}: "
                     f"“{escape_md(c.quote)}”")
    return "\n".join(lines)
