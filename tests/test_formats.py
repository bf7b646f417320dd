"""PDF and Word files: their text comes back exactly, page by page and with their headings, and every
file that cannot be used says why in one line. The files are made here (documents_factory.py)."""

from __future__ import annotations

import pytest
from documents_factory import make_blank_pdf, make_docx, make_pdf

from ingest import documents, formats
from ingest.documents import RawDocument, Skipped, collect, read
from ingest.formats import page_of, page_starts
from ingest.passages import split_passages

PAGE_1 = ["The Treaty of Rapallo was signed in April 1922 between Germany and Soviet Russia. It ended the "
          "diplomatic isolation of both countries and opened the way to secret military cooperation between "
          "the Red Army and the Reichswehr, which lasted for more than a decade.",
          "Chicherin believed that the capitalist powers would always be divided."]
PAGE_2 = ["Litvinov was dismissed as Commissar for Foreign Affairs in May 1939 and replaced by Molotov.",
          "The pact was signed on 23 August 1939."]
PAGE_3 = ["Operation Barbarossa began on 22 June 1941, when three million German soldiers crossed the border."]


def pdf(tmp_path, name="reading.pdf", **kw):
    return make_pdf(tmp_path / name, [PAGE_1, PAGE_2, PAGE_3], **kw)


def test_a_pdfs_text_and_pages_come_back_exactly(tmp_path):
    raw = read(pdf(tmp_path), {})
    assert isinstance(raw, RawDocument)
    assert raw.encoding == "pdf" and len(raw.pages) == 3 and raw.pages[0] == 0
    bounds = raw.pages + [len(raw.text)]
    for n, paragraphs in enumerate([PAGE_1, PAGE_2, PAGE_3]):
        assert raw.text[bounds[n] : bounds[n + 1]].strip() == "\n\n".join(paragraphs)
    assert page_of(raw.pages, raw.text.index("Litvinov was dismissed")) == 2
    assert page_of(raw.pages, raw.text.index("Barbarossa")) == 3


def test_running_headers_footers_and_page_numbers_are_taken_out_and_reported(tmp_path):
    raw = read(pdf(tmp_path, running_header="History 10B - Soviet foreign policy", page_numbers=True), {})
    assert "History 10B" not in raw.text and "Page 2" not in raw.text
    assert raw.removed.count("History 10B - Soviet foreign policy") == 3
    assert {"Page 1", "Page 2", "Page 3"} <= set(raw.removed)
    assert raw.text[raw.pages[1] :].startswith("Litvinov was dismissed")


def test_pages_are_found_again_in_the_clean_text_after_lines_are_removed():
    raw = "Intro line one.\n\nCookie banner: accept all\n\nPage two starts here and goes on.\n\nPage three.\n"
    starts = [0, raw.index("Page two"), raw.index("Page three")]
    clean = raw.replace("Cookie banner: accept all\n\n", "")
    got = page_starts(raw, starts, clean)
    assert got == [0, clean.index("Page two"), clean.index("Page three")]


def test_pdf_outline_entries_and_word_heading_styles_become_passage_headings(tmp_path):
    long_heading = "How the road to the pact of 1939 ran through Munich and Moscow"
    raw = read(pdf(tmp_path, headings={1: long_heading}), {})
    assert long_heading in raw.headings
    passages = split_passages("r", raw.text, headings=set(raw.headings))
    assert next(p for p in passages if "Litvinov" in p.text).heading == long_heading

    docx = make_docx(tmp_path / "notes.docx", [
        ("Title", "Soviet notes"), ("Heading 1", "The long road to the Nazi-Soviet Pact of August 1939"),
        ("", PAGE_2[0]), ("", PAGE_2[1])], table=[["Success", "Failure"], ["Rapallo", "Munich"]])
    raw = read(docx, {})
    assert raw.text == ("Soviet notes\n\nThe long road to the Nazi-Soviet Pact of August 1939\n\n" + "\n\n".join(PAGE_2)
                        + "\n\nSuccess | Failure\n\nRapallo | Munich\n")
    passages = split_passages("n", raw.text, headings=set(raw.headings))
    assert passages[0].heading == "The long road to the Nazi-Soviet Pact of August 1939"
    assert raw.pages == [] and raw.info.title == "Soviet notes"


def test_a_pdf_title_comes_from_its_metadata_unless_it_is_a_file_name(tmp_path):
    assert read(pdf(tmp_path, title="Soviet diplomacy 1917-1941"), {}).info.title == "Soviet diplomacy 1917-1941"
    named = read(pdf(tmp_path, "week3_soviet-diplomacy.pdf", title="Microsoft Word - week3.docx"), {})
    assert named.info.title == "Week3 soviet diplomacy"
    assert read(pdf(tmp_path, "c.pdf", headings={0: "Rapallo and after"}), {}).info.title == "Rapallo and after"


@pytest.mark.parametrize("name, make, reason", [
    ("scan.pdf", lambda p: make_blank_pdf(p), "scanned: no text to read; OCR it first"),
    ("locked.pdf", lambda p: make_pdf(p, [PAGE_1], password="secret"),
     "is encrypted (password-protected); save an unprotected copy and add that"),
    ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50), "is not a readable PDF"),
    ("broken.docx", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "is not a readable Word document"),
    ("old.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0 old word"),
     "is a .doc file; save it as .docx (Word) or PDF and add that"),
    ("slides.pptx", lambda p: p.write_bytes(b"PK\x03\x04"), "not a .txt, .md, .html, .pdf or .docx file (.pptx)"),
])
def test_each_file_that_cannot_be_used_is_skipped_with_a_one_line_reason(tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    skipped = read(path, {})
    assert isinstance(skipped, Skipped) and skipped.reason.startswith(reason)
    assert "\n" not in skipped.reason and "Traceback" not in skipped.reason


def test_a_pdf_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = pdf(tmp_path)
    monkeypatch.setattr(documents, "MAX_PACKED_BYTES", 1_000_000)
    path.write_bytes(path.read_bytes() + b"\n%" + b"x" * 1_100_000)
    monkeypatch.setattr(formats, "read_pdf", lambda data: pytest.fail("read a file over the limit"))
    skipped = read(path, {})
    assert isinstance(skipped, Skipped) and skipped.reason == "is too large (1 MB; the limit is 1 MB)"


def test_a_word_file_that_unpacks_to_gigabytes_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 1000)
    path = make_docx(tmp_path / "big.docx", [("", "Some text " * 200)])
    skipped = read(path, {})
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("unpacks to 0 MB (the limit is 0 MB)")


def test_a_folder_collects_pdf_and_word_files_beside_text(tmp_path):
    pdf(tmp_path)
    make_docx(tmp_path / "notes.docx", [("", PAGE_2[0])])
    (tmp_path / "a.txt").write_text("Some notes about Rapallo.\n")
    files, skipped = collect([tmp_path])
    assert [f.path.name for f in files] == ["a.txt", "notes.docx", "reading.pdf"] and not skipped
