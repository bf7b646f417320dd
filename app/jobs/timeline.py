"""The timeline as a job: the dated events of app/engine/events.py with their footnotes numbered in reading
order, and written out as JSON, Markdown or CSV for `footnote timeline` and the Timeline page.

How events are found, dated, merged and flagged is app/engine/events.py; its names are re-exported here so
the CLI and the page read one module.
"""

from __future__ import annotations

from dataclasses import replace

from app.engine.answer import Citation, with_kind
from app.engine.events import Conflict, Entry, Mention, given, mentions, select, timeline

__all__ = ["Conflict", "Entry", "Mention", "mentions", "select", "timeline", "numbered", "given", "marks",
           "conflict_note", "to_json", "to_markdown", "to_csv"]


def numbered(entries: list[Entry]) -> tuple[list[Entry], list[Citation]]:
    """Copies of the entries whose citations are numbered 1, 2, ... in reading order, one number per
    quoted sentence, and the citations in that order (a footnote list, as an answer has)."""
    by_key: dict[tuple[str, int, int], Citation] = {}
    out = []

    def number(cs: list[Citation]) -> list[Citation]:
        got = []
        for c in cs:
            key = (c.doc_id, c.start, c.end)
            if key not in by_key:
                by_key[key] = replace(c, n=len(by_key) + 1)
            got.append(by_key[key])
        return got

    for e in entries:
        own = number(e.citations)  # the entry's own sources first, then those that date it differently
        out.append(replace(e, citations=own, conflicts=[replace(k, citations=number(k.citations)) for k in e.conflicts]))
    return out, list(by_key.values())


def marks(cs: list[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in cs)


def conflict_note(e: Entry) -> str:
    """'sources disagree: 1923 [4]' for an entry with conflicts, else ''."""
    return "; ".join(f"sources disagree: {k.when.iso()} {marks(k.citations)}" for k in e.conflicts)


def to_json(entries: list[Entry], citations: list[Citation]) -> dict:
    return {"entries": [e.to_json() for e in entries], "citations": [c.to_json() for c in citations],
            "conflicts": sum(1 for e in entries if e.conflicts)}


def to_markdown(entries: list[Entry], citations: list[Citation], title: str = "Timeline") -> str:
    """The timeline as Markdown: one bullet per entry, conflicts in bold, the quoted sources as footnotes."""
    from .render import escape_md

    lines = [f"# {escape_md(title)}", ""]
    for e in entries:
        note = f" **{escape_md(conflict_note(e))}**" if e.conflicts else ""
        refs = "".join(f"[^{c.n}]" for c in e.citations)
        lines.append(f"- **{e.when.iso()}** {escape_md(e.label)}{refs}{note}")
    lines.append("")
    for c in citations:
        lines.append(f"[^{c.n}]: {escape_md(with_kind(c.title, c.kind))}, {escape_md(c.passage_id)}: "
                     f"“{escape_md(' '.join(c.quote.split()))}”")
    return "\n".join(lines) + "\n"


def to_csv(entries: list[Entry], citations: list[Citation]) -> str:
    """One row per citation: the entry's date and label, whether it is the entry's date or a conflicting
    one, and the source with the quote and its offsets (a spreadsheet can sort and filter it)."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["date", "first", "last", "event", "role", "date_given", "n", "doc_id", "title", "passage_id",
                "start", "end", "quote"])
    for e in entries:
        rows = [("agrees", c) for c in e.citations] + [("conflicts", c) for k in e.conflicts for c in k.citations]
        for role, c in rows:
            w.writerow([e.when.iso(), e.when.first.isoformat(), e.when.last.isoformat(), e.label, role,
                        given(e, c), c.n, c.doc_id, c.title, c.passage_id, c.start, c.end, c.quote])
    return out.getvalue()
