"""Passages and sentences, on the committed clean text of every document."""

from __future__ import annotations

import pytest
from conftest import DOC_IDS, MIND_MAP, ROOT, clean_text, is_notes

from ingest.passages import MAX_SENTENCE_CHARS, is_heading, sentence_spans, split_passages
from ingest.settings import Settings

LIMITS = Settings()


def passages(doc_id: str):
    return split_passages(doc_id, clean_text(doc_id), notes=is_notes(doc_id),
                          max_sentences=LIMITS.passage_max_sentences, max_chars=LIMITS.passage_max_chars)


def test_every_passage_and_sentence_is_exactly_its_span_of_the_clean_text(doc_id):
    text = clean_text(doc_id)
    for p in passages(doc_id):
        assert text[p.start : p.end] == p.text
        for s in p.sentences:
            assert text[s.start : s.end] == s.text
            assert p.start <= s.start < s.end <= p.end
            assert s.text == s.text.strip()


def test_passages_and_their_sentences_follow_the_text_in_order_without_overlap(doc_id):
    ps = passages(doc_id)
    assert all(a.end <= b.start for a, b in zip(ps, ps[1:], strict=False))
    for p in ps:
        assert all(a.end <= b.start for a, b in zip(p.sentences, p.sentences[1:], strict=False))


def test_passage_ids_are_the_document_id_and_a_three_digit_number(doc_id):
    ps = passages(doc_id)
    assert [p.id for p in ps] == [f"{doc_id}#{i:03d}" for i in range(len(ps))]
    assert all(p.doc_id == doc_id and p.index == i for i, p in enumerate(ps))


def test_passage_ids_are_stable_across_runs(doc_id):
    assert passages(doc_id) == passages(doc_id)


def test_a_passage_id_reads_back_to_its_place_in_the_essay():
    first = passages("soviet-fp-1919-1945")[0]
    assert first.id == "soviet-fp-1919-1945#000"
    assert first.text.startswith("Soviet foreign policy throughout the period from 1919 to 1945 is confusing")


def test_no_passage_is_only_a_heading(doc_id):
    for p in passages(doc_id):
        assert any(not s.heading for s in p.sentences), p.id


def test_no_passage_exceeds_the_limits_by_much(doc_id):
    max_sentences = LIMITS.passage_max_sentences + (2 if is_notes(doc_id) else 0)
    for p in passages(doc_id):
        body = [s for s in p.sentences if not s.heading]
        assert len(body) <= max_sentences, p.id
        # Runs are near-equal in length, so a passage may pass the character budget by a sentence's tail.
        assert len(p.text) <= LIMITS.passage_max_chars * 1.1 or len(body) == 1, (p.id, len(p.text))


def test_only_headings_are_left_out_of_passages(doc_id):
    text = clean_text(doc_id)
    covered = set()
    for p in passages(doc_id):
        covered.update(range(p.start, p.end))
    pos = 0
    for line in text.split("\n"):
        left_out = [c for i, c in enumerate(line, pos) if i not in covered and not c.isspace()]
        if left_out:
            assert is_heading(line), f"{line!r} is not wholly in passages: {''.join(left_out)!r} left out"
        pos += len(line) + 1


def test_every_mind_map_note_is_in_a_passage():
    text = clean_text(MIND_MAP)
    cited = "\n".join(p.text for p in passages(MIND_MAP))
    for line in text.split("\n"):
        assert line in cited, f"{line!r} is in no passage"


def test_mind_map_passages_group_notes_under_their_heading():
    by_heading = {}
    for p in passages(MIND_MAP):
        by_heading.setdefault(p.heading, []).append(p)
    germany = by_heading["Relations with Germany"]
    assert len(germany) == 1
    assert germany[0].text.split("\n") == [
        "Relations with Germany",
        "1922 Treaty of Rapallo with Germany",
        "Secret German military training and arms manufacture in the Soviet Union",
        "Germany provided economic assistance and established trade links",
        "1930 Treaty of Berlin continued the Treaty of Rapallo",
    ]
    assert germany[0].sentences[0].heading and not any(s.heading for s in germany[0].sentences[1:])
    isolation = by_heading["Isolaton"][0]
    assert "not allowed to join LoN" in isolation.text.split("\n")
    debate = by_heading["Soviet motives and historical debate"]
    assert len(debate) > 1  # a long group is split, and every part keeps its heading
    assert all(p.heading == "Soviet motives and historical debate" for p in debate)


def test_a_short_mind_map_note_is_one_sentence_and_a_long_one_is_split_into_sentences():
    lines = set(clean_text(MIND_MAP).split("\n"))
    for p in passages(MIND_MAP):
        for s in p.sentences:
            if s.text not in lines:  # only a long note (a paragraph of the debate) is split
                assert "\n" not in s.text
                assert any(s.text in line and len(line) >= 200 for line in lines), s.text


def test_a_leaf_note_that_looks_like_a_heading_stays_with_the_notes_above_it():
    first = passages(MIND_MAP)[0]
    assert first.text == "Soviet Foreign Policy under Stalin\n1917\nBolshevik Revolution"
    assert [s.heading for s in first.sentences] == [True, False, False]


def test_essay_headings_open_the_passages_under_them():
    ps = passages("stalin-aims-successes-failures")
    failures = [p for p in ps if p.heading == "Failures"]
    assert failures[0].text.startswith("Failures:\nIn 1933, Hitler comes to Power in Germany")
    conclusion = [p for p in ps if p.heading == "Overall Conclusion"]
    assert conclusion and conclusion[0].sentences[0].text == "Overall Conclusion:"


@pytest.mark.parametrize("prose", [d for d in DOC_IDS if not is_notes(d)])
def test_prose_passages_do_not_cross_paragraphs(prose):
    for p in passages(prose):
        body = [s for s in p.sentences if not s.heading]
        assert "\n" not in clean_text(prose)[body[0].start : body[-1].end], p.id


def sentences_of(doc_id: str) -> list[str]:
    return [s.text for p in passages(doc_id) for s in p.sentences]


def test_sentences_do_not_split_initials_in_names():
    essay = sentences_of("soviet-fp-1919-1945")
    assert any("headed by G.V. Chicherin from 1918 to 1930." in s for s in essay)
    assert not any(s.endswith("G.V.") for s in essay)
    notes = sentences_of(MIND_MAP)
    assert any(s.startswith("J. P. Taylor’s (The Origins of the Second World War) many (such as G. Roberts)") for s in notes)
    assert any(s.startswith("G. Roberts pointed out, recent Soviet archives") for s in notes)
    assert "A third group of historians stress the importance of ‘internal politics’ in understanding the two different strands of foreign policy." in notes
    assert any(s.startswith("J. Haslam and C. Kennedy-Pipe pointed the genuine differences") for s in notes)


def test_sentences_split_at_sentence_ends_inside_a_paragraph():
    text = "Litvinov was dismissed in May 1939. Molotov replaced him. The pact followed in August."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Litvinov was dismissed in May 1939.", "Molotov replaced him.", "The pact followed in August."]


def test_an_acronym_at_a_sentence_end_ends_the_sentence():
    text = "Britain and France gave the Sudetenland away without asking the USSR. He needed time. The U.S. stayed out."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Britain and France gave the Sudetenland away without asking the USSR.", "He needed time.",
        "The U.S. stayed out."]


def test_quotations_stay_whole_sentences():
    text = clean_text("nazi-soviet-pact-preview")
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert "It meant a sharp violent turning in Soviet foreign policy." in spans


@pytest.mark.parametrize("line, heading", [
    ("Nazi threat", True),
    ("Overall Conclusion:", True),
    ("Successes:", True),
    ("1934 Stalin joined the LoN", False),  # a dated note is content
    ("May 1939 Litvinov replaced as commissar", False),
    ("not allowed to join LoN", False),  # lower case: a note
    ("Joseph Stalin rose to power in the USSR by 1928.", False),
    ("These were the aims and sub-aims of Stalin’s foreign policy in the thirties:", False),  # too long
    ("Stalin had become increasingly suspicious of the West", False),  # seven words: a note
])
def test_is_heading_tells_headings_from_notes(line, heading):
    assert is_heading(line) is heading


# --- a sentence is capped ---------------------------------------------------------------------------

TUNING_DOCS = ROOT.parent / "shared" / "datasets" / "squad-history" / "docs"


def long_line(size: int) -> str:
    words = "the delegates argued over the frontier and the guarantees and the timing of a treaty".split()
    return " ".join(words[i % len(words)] for i in range(size // 5))[:size].rstrip()


def test_a_2_mb_line_with_no_full_stop_splits_into_capped_sentences_at_word_boundaries():
    text = long_line(2_000_000) + "\n"
    spans = sentence_spans(text)
    assert all(0 < e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert all(text[e] in " \n" and (s == 0 or text[s - 1] == " ") for s, e in spans)  # never inside a word
    assert " ".join(text[s:e] for s, e in spans) == text.strip()  # nothing lost, nothing repeated
    passages = split_passages("long", text)
    assert passages and max(len(p.text) for p in passages) <= MAX_SENTENCE_CHARS
    assert " ".join(p.text for p in passages) == text.strip()


def test_a_run_with_no_space_is_cut_at_the_cap():
    text = "x" * (3 * MAX_SENTENCE_CHARS + 5)
    assert [(s, e) for s, e in sentence_spans(text)] == [
        (0, MAX_SENTENCE_CHARS), (MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS),
        (2 * MAX_SENTENCE_CHARS, 3 * MAX_SENTENCE_CHARS), (3 * MAX_SENTENCE_CHARS, len(text))]


def test_the_sentence_cap_leaves_every_real_sentence_whole(doc_id):
    # The cap was chosen above the longest real sentence (932 characters, in the tuning set).
    text = clean_text(doc_id)
    for s, e in sentence_spans(text):
        assert e - s < MAX_SENTENCE_CHARS


@pytest.mark.skipif(not TUNING_DOCS.is_dir(), reason="the tuning set (../shared/datasets/squad-history) is not here")
def test_no_sentence_of_the_tuning_set_reaches_the_cap():
    for article in sorted(TUNING_DOCS.glob("*.txt")):
        text = article.read_text(encoding="utf-8")
        longest = max(e - s for line in text.split("\n") for s, e in sentence_spans(line) or [(0, 0)])
        assert longest < MAX_SENTENCE_CHARS, article.name
