"""Essay plans and who argues what as Markdown: a heading per section, quotes in double quotation marks
followed by [n], and the numbered references (title, passage id, characters) at the end. The Word file is
made from this Markdown (app/jobs/export.py), so the two say the same. Source text is escaped (render.py)."""

from __future__ import annotations

import re

from app.engine.answer import Citation, with_kind

from .plan import NOT_COVERED, DebateGroup, Plan, Section
from .render import escape_md


def chronology_title(plan: Plan) -> str:
    span = plan.brief.span if plan.brief is not None else None
    return f"Key dates, {span}" if span else "Key dates"


ROLE_NAMES = {"historian": "historian", "writer": "writer", "contemporary": "of the time"}


def inner_quotes(quote: str) -> str:
    """The quote as a plan prints it inside its own double quotation marks: the source's words unchanged,
    except that its own double quotation marks become single ones (the manifesto “Mein Kampf“ is printed
    ‘Mein Kampf’), so nothing is dropped and the quote's end is never ambiguous. An opening mark is one
    before a word; any other is a closing one."""
    s = " ".join(quote.split())

    def single(m: re.Match[str]) -> str:
        before, after = s[m.start() - 1:m.start()] if m.start() else "", s[m.end():m.end() + 1]
        return "‘" if (not before or before.isspace() or before in "([{‘'") and after and not after.isspace() else "’"

    return re.sub(r"[\"“”„]", single, s)


def _q(plan_cits: list[Citation], n: int) -> str:
    return f'"{escape_md(inner_quotes(plan_cits[n - 1].quote))}" [{n}]'


def references_markdown(citations: list[Citation]) -> list[str]:
    """The numbered reference list: one paragraph per footnote, '[n] title (kind), passage id, characters'
    (paragraphs, not a Markdown list, so that Word keeps the numbers as text)."""
    lines = ["## References", ""]
    for c in citations:
        lines += [f"[{c.n}] {escape_md(with_kind(c.title, c.kind))}, {escape_md(c.passage_id)}, "
                  f"characters {c.start}–{c.end}.", ""]
    return lines


def debate_markdown(readings: list[DebateGroup], citations: list[Citation], level: str = "##") -> list[str]:
    lines = []
    for r in readings:
        lines += [f"{level} {escape_md(r.label)}", ""]
        for n in r.claims:
            lines.append(f"- {_q(citations, n)}")
        shown = set(r.claims)
        for name, role, quotes in r.writers:
            # a sentence quoted above (the school's, or another writer's) is referred to by its number
            said = " ".join(f"[{n}]" if n in shown else _q(citations, n) for n in quotes)
            shown |= set(quotes)
            lines.append(f"- **{escape_md(name)}** ({ROLE_NAMES.get(role, role)}): {said}")
        lines.append("")
    return lines


def plan_markdown(plan: Plan) -> str:
    """The plan as Markdown: a heading per section, quotes in double quotation marks followed by [n], the
    numbered references at the end."""
    lines = [f"# Essay plan: {escape_md(plan.question)}", ""]
    if plan.declined is not None:
        lines += [escape_md(plan.declined.text), ""]
        lines += [f"- {escape_md(w)}" for w in plan.declined.warnings]
        if plan.declined.nearest:
            lines += ["", "Nearest material in the sources (not an answer):", ""]
            lines += [f"- {escape_md(n.title)}, {escape_md(n.passage_id)}: {escape_md(n.passage)}"
                      for n in plan.declined.nearest]
        return "\n".join(lines) + "\n"
    b, cits = plan.brief, plan.citations
    lines += ["## The question", "",
              f"- **Command words:** {escape_md(', '.join(b.command_words))}",
              f"- **Key terms:** {escape_md(', '.join(b.key_terms)) or '—'}",
              f"- **Time span:** {escape_md(b.span) if b.span else 'not set by the question: take it from the sources'}",
              f"- **A good answer weighs:** {escape_md(b.weigh)}.", ""]
    lines += ["## Thesis options", ""]
    for i, t in enumerate(plan.theses, 1):  # the quotes themselves are in the sections below
        marks = " ".join(f"[{n}]" for n in t.quotes)
        lines.append(f"{i}. **{escape_md(t.text)}** {marks} Held by: {escape_md(', '.join(t.holders))}.")
    lines.append("")
    for i, s in enumerate(plan.sections, 1):
        lines += [f"## {i}. {escape_md(s.stance.capitalize())}: {escape_md(s.title)}", ""]
        lines += section_lines(s, cits)
    if plan.counter is not None:
        lines += [f"## {escape_md(plan.counter.title)}", ""]
        lines += section_lines(plan.counter, cits)
    if plan.chronology:
        lines += [f"## {escape_md(chronology_title(plan))}", ""]
        lines += [f"- **{escape_md(k.when)}** {escape_md(k.label)} {' '.join(f'[{n}]' for n in k.quotes)}"
                  for k in plan.chronology]
        lines.append("")
    lines += ["## Conclusion", "", escape_md(plan.conclusion) + "".join(f" [{n}]" for n in plan.conclusion_quotes), ""]
    lines += ["## Who argues what", ""]
    lines += debate_markdown(plan.debate, cits, level="###")
    for w in plan.warnings:
        lines += [f"> {escape_md(w)}", ""]
    lines += references_markdown(cits)
    return "\n".join(lines) + "\n"


def section_lines(s: Section, cits: list[Citation]) -> list[str]:
    if not s.covered:
        return [f"*{NOT_COVERED}*", ""]
    label = "Point (generated, checked against its quotes)" if s.generated else "Point"
    out = [f"**{label}:** {escape_md(s.point)}", "", "**Evidence:**", ""]
    out += [f"- {_q(cits, n)}" for n in s.quotes]
    out += ["", f"**Who argues it:** {escape_md(', '.join(s.who))}", ""]
    return out
