"""Small PDF and Word files made on the spot for tests (fpdf2 and python-docx), so no binary fixture is
committed and every test says exactly what its file holds."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]], *, headings: dict[int, str] | None = None,
             running_header: str = "", page_numbers: bool = False, password: str = "",
             title: str = "") -> Path:
    """A PDF whose page i holds the paragraphs pages[i] (wrapped by fpdf2 as a word processor would).
    `headings[i]`: a bold heading opening page i, listed in the PDF's outline (bookmarks);
    `running_header`: a line printed at the top of every page; `page_numbers`: a footer "Page n";
    `password`: encrypted with this user password."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for i, paragraphs in enumerate(pages):
        pdf.add_page()
        if running_header:
            pdf.set_font("Helvetica", size=8)
            pdf.cell(0, 6, running_header, new_x="LMARGIN", new_y="NEXT")
        if headings and i in headings:
            pdf.start_section(headings[i])
            pdf.set_font("Helvetica", style="B", size=14)
            pdf.cell(0, 10, headings[i], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for p in paragraphs:
            pdf.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        if page_numbers:
            pdf.set_y(-15)
            pdf.set_font("Helvetica", size=8)
            pdf.cell(0, 6, f"Page {i + 1}", align="C")
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.output(str(path))
    return path


def make_blank_pdf(path: Path, n_pages: int = 2) -> Path:
    """A PDF with pages but no text layer, as a scanner makes (a drawn rectangle stands in for the image)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(n_pages):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], *, title: str = "",
              table: list[list[str]] | None = None) -> Path:
    """A Word file of (style, text) blocks: style "Heading 1", "Heading 2", "Title" or "" (body text);
    `table`: rows of cells appended after the blocks."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for style, text in blocks:
        if style.startswith("Heading"):
            document.add_heading(text, level=int(style.split()[-1]))
        elif style == "Title":
            document.add_heading(text, level=0)
        else:
            document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    document.save(str(path))
    return path
