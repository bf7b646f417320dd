"""Exports: a Markdown document (an answer, an essay plan, an answer check, a timeline) as a Word file.

Every export is written as Markdown first, so the .docx says exactly what the .md says. markdown-it-py
(Streamlit's own Markdown parser) reads the Markdown; python-docx writes the Word file. No library turns
one into the other without a converter binary (pandoc), so the walk over the parsed tokens is written
here: headings, paragraphs, bullet and numbered lists, block quotes, bold, italics and inline code.
"""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark")


def _runs(paragraph, inline) -> None:
    """The inline children of one block as runs, bold and italic where the Markdown says so."""
    bold = italic = False
    for child in inline.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run().add_break() if child.type == "hardbreak" else paragraph.add_run(" ")
        elif child.type in ("text", "code_inline", "html_inline") and child.content:
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
            if child.type == "code_inline":
                run.font.name = "Courier New"
        elif child.type in ("link_open", "link_close", "image"):
            continue  # a link keeps its text; Word files leave the app's page links out


def markdown_docx(markdown: str, title: str | None = None) -> bytes:
    """The Word file (.docx bytes) for a Markdown document."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    if title:
        doc.core_properties.title = title
    lists: list[str] = []  # the open lists, innermost last: "bullet" or "ordered"
    quote = 0
    paragraph_style = None
    for token in _PARSER.parse(markdown):
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1])
            paragraph_style = ("Title", level) if level == 1 and title is None else ("Heading", level)
        elif kind == "bullet_list_open":
            lists.append("bullet")
        elif kind == "ordered_list_open":
            lists.append("ordered")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "inline":
            if paragraph_style and paragraph_style[0] == "Title":
                p = doc.add_heading(level=0)
            elif paragraph_style:
                p = doc.add_heading(level=min(paragraph_style[1], 9))
            elif lists:
                depth = min(len(lists), 3)
                base = "List Bullet" if lists[-1] == "bullet" else "List Number"
                p = doc.add_paragraph(style=base if depth == 1 else f"{base} {depth}")
            elif quote:
                p = doc.add_paragraph(style="Quote")
            else:
                p = doc.add_paragraph()
            _runs(p, token)
        elif kind == "heading_close":
            paragraph_style = None
        elif kind in ("fence", "code_block"):
            p = doc.add_paragraph()
            run = p.add_run(token.content.rstrip("\n"))
            run.font.name = "Courier New"
        elif kind == "hr":
            doc.add_paragraph("—" * 10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
