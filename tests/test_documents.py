"""Reading files: what cannot be used becomes a Skipped with a reason a user can act on, never an error."""

from __future__ import annotations

import shutil

from conftest import CORPUS, SOURCES

from ingest import documents
from ingest.documents import RawDocument, Skipped, collect, decode, load_sources, read, slug

LISTED = load_sources(CORPUS / "sources.toml")


def test_a_listed_file_gets_its_metadata_from_sources_toml(tmp_path):
    info = SOURCES["stalin-fp-1925-1945-opening"]
    copy = tmp_path / info.file
    shutil.copy(CORPUS / "raw" / info.file, copy)
    doc = read(copy, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info == info
    assert doc.encoding == "utf-8" and doc.notes == []
    assert doc.text.startswith("Submitted by: Submitted by mattman123")


def test_a_users_own_file_gets_a_readable_id_and_its_first_line_as_title(tmp_path):
    f = tmp_path / "Week 3 Reading (Litvinov).txt"
    f.write_text("\n\nLitvinov and collective security\nLitvinov argued for collective security.\n", encoding="utf-8")
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info.id == "week-3-reading-litvinov"
    assert doc.info.title == "Litvinov and collective security"
    assert doc.info.kind == "your document"


def test_an_empty_file_is_skipped(tmp_path):
    for name, data in [("empty.txt", b""), ("blank.md", b"  \n\n\t \n")]:
        (tmp_path / name).write_bytes(data)
        skipped = read(tmp_path / name, LISTED)
        assert isinstance(skipped, Skipped)
        assert skipped.reason == "is empty"


def test_a_binary_file_is_skipped(tmp_path):
    f = tmp_path / "scan.txt"
    f.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary\x00\xff\xfe" * 50)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped)
    assert skipped.reason == "looks like a binary file, not text"


def test_a_windows_1252_file_is_read_with_its_curly_quotes_and_a_note(tmp_path):
    f = tmp_path / "pasted from word.txt"
    f.write_bytes(b"Molotov called Munich a \x93disaster\x94 and Litvinov\x92s dismissal a \x96 turning point.\n")
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.text == "Molotov called Munich a “disaster” and Litvinov’s dismissal a – turning point.\n"
    assert doc.encoding == "windows-1252"
    assert doc.notes == ["not UTF-8: read as windows-1252"]


def test_a_utf8_file_with_a_byte_order_mark_is_read_without_it():
    text, encoding = decode("\ufeffStalin’s foreign policy".encode())
    assert (text, encoding) == ("Stalin’s foreign policy", "utf-8")


def test_an_html_file_keeps_its_text_and_drops_scripts_styles_and_navigation(tmp_path):
    f = tmp_path / "rapallo.html"
    f.write_text(
        "<html><head><title>The Treaty of Rapallo</title><style>p { color: red }</style>"
        "<script>var tracker = 'ad-network';</script></head><body>"
        "<nav>Home | Essays | Log in</nav><h1>Rapallo, 1922</h1>"
        "<p>Germany and Soviet Russia signed the treaty in April 1922.</p>"
        "<p>It ended the isolation of both &amp; opened trade.</p>"
        "<script>document.write('Subscribe now')</script><footer>© Essay Site</footer></body></html>",
        encoding="utf-8",
    )
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info.title == "The Treaty of Rapallo"
    assert doc.text == (
        "Rapallo, 1922\n\n"
        "Germany and Soviet Russia signed the treaty in April 1922.\n\n"
        "It ended the isolation of both & opened trade.\n"
    )


def test_an_unsupported_file_type_is_skipped_with_its_suffix(tmp_path):
    for name, shown in [("essay.pdf", ".pdf"), ("notes.docx", ".docx"), ("README", "no extension")]:
        (tmp_path / name).write_bytes(b"some text")
        skipped = read(tmp_path / name, LISTED)
        assert isinstance(skipped, Skipped)
        assert skipped.reason == f"not a .txt, .md or .html file ({shown})"


def test_a_missing_path_is_skipped_as_not_existing(tmp_path):
    files, skipped = collect([tmp_path / "no-such-folder", tmp_path / "gone.txt"])
    assert files == []
    assert [(s.path.name, s.reason) for s in skipped] == [("no-such-folder", "does not exist"),
                                                           ("gone.txt", "does not exist")]
    unreadable = read(tmp_path / "gone.txt", LISTED)
    assert isinstance(unreadable, Skipped) and unreadable.reason.startswith("cannot be read")


def test_a_file_too_large_to_be_a_reading_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 1_000_000)
    f = tmp_path / "everything.txt"
    f.write_bytes(b"Stalin. " * 300_000)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("is too large (2 MB")


def test_collect_lists_a_folders_readable_files_in_order_and_skips_the_rest(tmp_path):
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_text("<p>c</p>", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    files, skipped = collect([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.md", "b.txt", "sub/c.html"]
    assert [(s.path.name, s.reason) for s in skipped] == [("photo.jpg", "not a .txt, .md or .html file (.jpg)")]


def test_every_shipped_raw_file_reads_as_utf8_with_its_listed_metadata():
    for info in SOURCES.values():
        doc = read(CORPUS / "raw" / info.file, LISTED)
        assert isinstance(doc, RawDocument), doc
        assert doc.info == info and doc.encoding == "utf-8" and doc.notes == []


def test_slug_makes_ids_from_any_file_name():
    assert slug("Stalin’s Foreign Policy (draft 2)") == "stalin-s-foreign-policy-draft-2"
    assert slug("???") == "document"
    assert len(slug("x" * 200)) == 60
