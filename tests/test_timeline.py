"""The timeline on the real corpus with the real model: dates found and ordered, the same event merged
across documents, a conflicting date flagged, quotes exact, filters, the `footnote timeline` command
and the Timeline page (AppTest). The browser test is tests/test_browser_timeline.py.

One extra index is built per module (`conflict_index`): the session index copied, plus one small
document that dates the Treaty of Rapallo to 1923, so only that document is embedded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import make_home
from streamlit.testing.v1 import AppTest

from app.cli import main
from app.engine import Engine, dates
from app.engine.dates import When
from app.jobs import timeline
from ingest.pipeline import ingest
from ingest.settings import Settings

APP = Path(__file__).resolve().parent.parent / "app" / "pages" / "streamlit_app.py"
RAPALLO_1923 = ("Weimar Germany and Soviet Russia\n"
                "The Treaty of Rapallo with Germany was signed in 1923. It ended the isolation of both countries.\n")


def find(entries, year: int, *words: str):
    """The entries starting in `year` whose label or quotes hold every word."""
    def text(e):
        return " ".join([e.label, *(c.quote for c in e.citations)]).lower()
    return [e for e in entries if e.when.first.year == year and all(w.lower() in text(e) for w in words)]


@pytest.fixture(scope="module")
def entries(engine):
    return timeline.timeline(engine)


@pytest.fixture(scope="module")
def conflict_index(corpus_index, tmp_path_factory) -> Settings:
    """The session index plus a reading that dates Rapallo to 1923 (a teacher's upload, say)."""
    root = tmp_path_factory.mktemp("timeline-conflict")
    home = make_home(root)
    shutil.copytree(corpus_index.settings.index_dir, root / "index")
    settings = Settings.from_env(home=home, index_dir=root / "index")
    (root / "week3").mkdir()
    (root / "week3" / "rapallo.txt").write_text(RAPALLO_1923, encoding="utf-8")
    summary = ingest([root / "week3"], settings, progress=False)
    assert summary.new == ["week3-rapallo"]
    return settings


@pytest.fixture(scope="module")
def conflict_entries(conflict_index):
    return timeline.timeline(Engine.load(conflict_index))


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("signed on 23 August 1939, in Moscow", ["1939-08-23"]),
    ("reported to Berlin on May 3rd 1939: ...", ["1939-05-03"]),
    ("Thus, in August, 1939 the two powers", ["1939-08"]),
    ("The Rapallo treaty with Germany [1922] is", ["1922"]),
    ("the Spanish Civil War, 1936-1939).", ["1936–1939"]),
    ("1919-20 soviet russia is not invited", ["1919–1920"]),
    ("between 1935 and 1937 there were negotiations", ["1935–1937"]),
    ("from 1919 to 1945 is confusing", ["1919–1945"]),
    ("During the late 1930’s a resurgent", ["late 1930s"]),
    ("By the 1920's the Bolshevik", ["1920s"]),
    ("in the early 1930s was", ["early 1930s"]),
    ("This may have been posturing: 2000 tanks, 1200% and 31 June 1939", []),
])
def test_dates_are_read_as_days_months_years_spans_and_decades(text, expected):
    found = [dates.when_of(kind, parts, None) for _, _, kind, parts in dates.dates_in(text)]
    assert [w.iso() for w in found if w is not None] == expected


def test_dates_that_agree_overlap_and_dates_that_differ_do_not():
    assert When(1935).agrees(When(1935, 5))
    assert When(1936, end_year=1939).agrees(When(1936))
    assert not When(1922).agrees(When(1923))
    assert not When(1939, 8, 23).agrees(When(1939, 9))


def test_relative_dates_and_months_without_a_year_are_read_against_the_date_before_them(engine):
    found = {(m.doc_id, m.written): m for m in timeline.mentions(engine.library)}
    later = found[("stalin-aims-successes-failures", "two years later")]
    assert later.when == When(1941) and later.resolved_from == "1939"
    assert found[("soviet-fp-1919-1945", "September")].when == When(1939, 9)
    assert found[("stalin-fp-mind-map", "3 September")].when == When(1939, 9, 3)
    # "In July Zhukhov defeated the Japanese": no year in the sentences before it, so it is left out
    assert ("nazi-soviet-pact-preview", "July") not in found


def test_a_relative_date_after_a_named_event_counts_from_that_events_date(entries):
    after_munich = [e for e in entries if "failure of the Soviet collective security policy at Munich" in e.label]
    assert [e.when for e in after_munich] == [When(1939)]


# --- the corpus's timeline ---------------------------------------------------------------------------


def test_rapallo_litvinovs_replacement_and_the_pact_appear_in_order_each_cited(entries):
    rapallo = find(entries, 1922, "Rapallo")
    litvinov = [e for e in entries if e.when.iso().startswith("1939-05") and "Litvinov replaced" in e.label]
    pact = [e for e in entries if e.when.iso() == "1939-08-23"]
    assert len(rapallo) == len(litvinov) == len(pact) == 1
    order = [entries.index(e) for e in (rapallo[0], litvinov[0], pact[0])]
    assert order == sorted(order)
    assert all(e.citations for e in (rapallo[0], litvinov[0], pact[0]))
    assert all(a.when.first <= b.when.first for a, b in zip(entries, entries[1:], strict=False))


def test_rapallo_is_one_entry_cited_from_three_documents_without_a_conflict(entries):
    (rapallo,) = find(entries, 1922, "Rapallo")
    assert rapallo.when.iso() == "1922"
    assert len(rapallo.citations) == 3
    assert rapallo.doc_ids == ["nazi-soviet-pact-preview", "soviet-fp-1919-1945", "stalin-fp-mind-map"]
    assert not rapallo.conflicts


def test_the_same_event_in_several_documents_is_one_entry(entries):
    (pact_1935,) = find(entries, 1935, "assistance")
    assert len(pact_1935.doc_ids) == 3 and pact_1935.when.iso() == "1935-05"
    (litvinov,) = [e for e in entries if "Litvinov replaced" in e.label]
    assert litvinov.doc_ids == ["nazi-soviet-pact-preview", "stalin-fp-mind-map"]
    (pact,) = [e for e in entries if e.when.iso() == "1939-08-23"]
    assert len(pact.doc_ids) >= 3


def test_events_that_only_mention_rapallo_are_their_own_entries_not_conflicts(entries):
    assert find(entries, 1930, "Treaty of Berlin") and find(entries, 1933, "cancels the Rapallo")
    assert not [e for e in entries if e.conflicts], "the shipped sources were checked by eye: they agree"


def test_every_quote_is_verbatim_at_its_offsets_and_holds_the_date(engine, entries):
    lib = engine.library
    for e in entries:
        for m in e.mentions:
            assert lib.docs[m.doc_id].text[m.start:m.end] == m.written
        for c in e.citations + [c for k in e.conflicts for c in k.citations]:
            assert lib.docs[c.doc_id].text[c.start:c.end] == c.quote
            assert c.passage[c.start - c.passage_start:c.end - c.passage_start] == c.quote
        quotes = {(c.doc_id, c.start) for c in e.citations}
        assert all((m.doc_id, lib.sentences[m.row].start) in quotes for m in e.mentions)


def test_filters_choose_years_documents_and_words(entries):
    years = timeline.select(entries, 1938, 1939)
    assert years and all(e.when.last.year >= 1938 and e.when.first.year <= 1939 for e in years)
    assert find(years, 1939, "Molotov") and not find(years, 1922, "Rapallo")
    one = timeline.select(entries, doc="stalin-fp-mind-map")
    assert one and all({c.doc_id for c in e.citations} == {"stalin-fp-mind-map"} for e in one)
    (rapallo,) = find(one, 1922, "Rapallo")
    assert len(rapallo.citations) == 1
    searched = timeline.select(entries, query="rapallo treaty")
    assert {e.when.first.year for e in searched} == {1922, 1930, 1933}


def test_footnotes_are_numbered_once_per_sentence_in_reading_order(entries):
    numbered, citations = timeline.numbered(entries)
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))
    seen = [c.n for e in numbered for c in e.citations]
    assert sorted(set(seen)) == [c.n for c in citations]
    firsts = list(dict.fromkeys(seen))
    assert firsts == sorted(firsts)


# --- a conflicting date ------------------------------------------------------------------------------


def test_a_document_that_dates_rapallo_to_1923_is_flagged_as_a_conflict_with_both_citations(conflict_entries):
    (rapallo,) = find(conflict_entries, 1922, "Rapallo")
    assert len(rapallo.citations) == 3
    (conflict,) = rapallo.conflicts
    assert conflict.when == When(1923)
    assert [c.doc_id for c in conflict.citations] == ["week3-rapallo"]
    assert "1923" in conflict.citations[0].quote
    assert not find(conflict_entries, 1923, "Rapallo"), "the conflicting date is part of the entry, not its own"
    numbered, _ = timeline.numbered([rapallo])
    assert timeline.conflict_note(numbered[0]) == "sources disagree: 1923 [4]"
    assert [e for e in conflict_entries if e.conflicts] == [rapallo]
    (chosen,) = [e for e in timeline.select(conflict_entries, doc="week3-rapallo") if e.conflicts]
    assert len(chosen.citations) == 3, "a conflict keeps both sides whichever document is chosen"


# --- footnote timeline -------------------------------------------------------------------------------


@pytest.fixture
def cli(corpus_index, engine, monkeypatch):
    """`footnote timeline` on the session index, with the session's engine (loaded once)."""
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))


def test_cli_prints_one_line_per_entry_starting_with_the_date_then_the_footnotes(cli, entries, capsys):
    assert main(["timeline", "--from", "1939", "--to", "1939"]) == 0
    lines = capsys.readouterr().out.splitlines()
    blank = lines.index("")
    body, notes = lines[:blank], lines[blank + 1:]
    assert [line.split("  ")[0] for line in body] == [e.when.iso() for e in timeline.select(entries, 1939, 1939)]
    # three documents' sentences (the essay preview's "In conclusion this essay can only say ... 1939" is a
    # verdict, not the pact's date, and is left out since the timeline reads what each sentence tells)
    assert re.fullmatch(r"1939-08-23  \S.* (\[\d+\]){3,}", next(b for b in body if b.startswith("1939-08-23")))
    assert any(n.startswith("[1] ") for n in notes) and any(n.startswith("    “") for n in notes)


def test_cli_json_gives_entries_with_their_citations(cli, capsys):
    assert main(["timeline", "--json", "--doc", "stalin-fp-mind-map"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entries"] and data["conflicts"] == 0
    numbers = {c["n"] for c in data["citations"]}
    assert all(set(e["citations"]) <= numbers and e["date"] and e["first"] <= e["last"] for e in data["entries"])
    assert {c["doc_id"] for c in data["citations"]} == {"stalin-fp-mind-map"}


def test_cli_exports_markdown_csv_and_word(cli, tmp_path, capsys):
    from docx import Document

    for name in ("t.md", "t.csv", "t.docx"):
        assert main(["timeline", "--from", "1922", "--to", "1922", "--doc", "nazi-soviet-pact-preview",
                     "--out", str(tmp_path / name)]) == 0
        assert capsys.readouterr().out.startswith(f"wrote {tmp_path / name}: ")
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert md.startswith("# Timeline of The Nazi-Soviet Pact") and "- **1922** " in md and "[^1]: " in md
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert {r["date"] for r in rows} == {"1922"} and all(r["quote"] for r in rows)
    words = " ".join(p.text for p in Document(str(tmp_path / "t.docx")).paragraphs)
    assert "Rapallo" in words


@pytest.mark.parametrize("args, message", [
    (["--from", "1940", "--to", "1930"], "--from 1940 is after --to 1930"),
    (["--doc", "no-such-doc"], "no document no-such-doc"),
    (["--out", "timeline.pdf"], "--out writes .md, .csv or .docx"),
])
def test_cli_refuses_what_it_cannot_do_in_one_line(cli, args, message, capsys):
    assert main(["timeline", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footnote: ") and message in err and len(err.strip().splitlines()) == 1


# --- the Timeline page -------------------------------------------------------------------------------


def page(home: Path, index_dir: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("FOOTNOTE_HOME", str(home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(index_dir))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("views/timeline.py").run()
    assert not at.exception
    return at


def test_the_page_lists_the_events_in_order_with_footnotes_that_open_the_highlighted_passage(
        corpus_index, entries, monkeypatch):
    at = page(corpus_index.home, corpus_index.settings.index_dir, monkeypatch)
    assert at.title[0].value == "Timeline"
    labels = [e.label for e in at.main.expander]
    assert len(labels) == len(entries)
    assert labels[0].startswith(f"**{entries[0].when.iso()}**")
    rapallo = next(e for e in at.main.expander if "Rapallo treaty" in e.label and "1922" in e.label)
    assert re.search(r"(\\\[\d+\\\]){3}$", rapallo.label)
    html = [m.value for m in rapallo.markdown if "<mark" in m.value]
    assert len(html) == 3 and all("Rapallo" in h for h in html)
    assert len([b for b in at.get("page_link") if b.proto.label == "Read it in the document"]) >= 3
    assert [b.label for b in at.get("download_button")] == ["Download as Markdown", "Download as CSV"]


def test_the_page_filters_by_words_years_and_documents(corpus_index, monkeypatch):
    at = page(corpus_index.home, corpus_index.settings.index_dir, monkeypatch)
    at.text_input(key="tl_query").set_value("Rapallo").run()
    assert [e.label.split("**")[1] for e in at.main.expander] == ["1922", "1930", "1933"]
    at.slider(key="tl_years").set_value((1925, 1935)).run()
    assert [e.label.split("**")[1] for e in at.main.expander] == ["1930", "1933"]
    at.multiselect(key="tl_docs").set_value(["stalin-fp-mind-map"]).run()
    assert [e.label.split("**")[1] for e in at.main.expander] == ["1930"]
    at.text_input(key="tl_query").set_value("no such words anywhere").run()
    assert not at.main.expander and "No dated events match" in at.info[0].value


def test_the_page_flags_a_conflict_with_both_dates_sources(conflict_index, monkeypatch):
    at = page(conflict_index.home, conflict_index.index_dir, monkeypatch)
    flagged = [e for e in at.main.expander if "sources disagree" in e.label]
    assert len(flagged) == 1 and "Rapallo" in flagged[0].label
    assert "1923" in flagged[0].warning[0].value
    assert len([m for m in flagged[0].markdown if "<mark" in m.value]) == 4
    assert any("1 conflict" in c.value for c in at.caption)


def test_the_timeline_keeps_dates_of_events_not_of_opinions_and_puts_a_sentence_under_one_date(entries):
    labels = " | ".join(e.label for e in entries)
    for opinion in ("throughout the period is confusing", "Christian Rakovsky wrote the above",
                    "This second view makes alot more sense"):
        assert opinion not in labels
    assert find(entries, 1938, "Munich Conference", "final straw")  # a named event's date, in a be-sentence
    rows = [(m.row, m.label) for e in entries for m in e.mentions]
    assert len(rows) == len(set(rows))


def test_a_document_that_dates_an_event_twice_by_year_and_month_gives_one_entry(entries):
    """The mind map's "1934 Stalin joined the LoN" and "September 1934- Soviet Union attended its first League
    of Nations" are one event (the other documents' League sentences show it), and its "Franco-Soviet Pact of
    1935" is the May 1935 pact with France that two other documents tell."""
    league = [e for e in entries if e.when.first.year == 1934 and any("League" in c.quote or "LoN" in c.quote
                                                                        for c in e.citations)]
    assert len(league) == 1, [e.label for e in league]
    assert league[0].when.iso() == "1934-09" and len(league[0].citations) == 4
    assert any("LoN" in c.quote for c in league[0].citations)
    pacts = find(entries, 1935, "Franco-Soviet Pact")
    assert len(pacts) == 1 and pacts[0].when.iso() == "1935-05", [(e.when.iso(), e.label) for e in pacts]
    assert find(entries, 1935, "assistance") == pacts
    # the other 1934 line of the mind map, drafting a treaty with France, stays its own event
    assert find(entries, 1934, "draft a treaty") and find(entries, 1934, "draft a treaty") != league


def test_a_combining_form_names_its_country_only_inside_a_hyphenated_name():
    from app.engine.events import _COMBINING, COMBINING_FORMS

    def countries(text):
        return _COMBINING.sub(lambda c: COMBINING_FORMS[c.group(1).lower()] + c.group(2), text)

    assert countries("the Franco-Soviet Pact and the Anglo–German Naval Agreement") == \
        "the France-Soviet Pact and the Britain–German Naval Agreement"
    assert countries("Hitler helped Franco and the fascists") == "Hitler helped Franco and the fascists"
    assert countries("a franco-phile") == "a franco-phile"  # a lower-case second part is no country pair
