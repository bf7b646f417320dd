"""Cleaning, rule by rule, on the real scraped files.

Each rule is tested on the text it actually receives inside `clean()` (the raw file after the rules
before it), on the file where its junk occurs: the junk is there before the rule and gone after it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS, DOC_IDS, MIND_MAP, ROOT, SOURCES, clean_text, raw_text

from ingest.clean import RULES, clean, metadata, normalize_text, questions

RULE = {r.name: r for r in RULES}

PREVIEW = "nazi-soviet-pact-preview"  # 000: adverts, cut marks, glued footnotes, related essays
ESSAY = "soviet-fp-1919-1945"  # 001: analysis questions, "You May Also Find These Documents Helpful"
OPENING = "stalin-fp-1925-1945-opening"  # 003: submission header
AIMS = "stalin-aims-successes-failures"  # 004: cookie banner, chat widget, countdown, flattened table


def runs_on(r, doc_id: str) -> bool:
    """Junk-removal rules run on every document, a repair only on one that declares it."""
    return not r.repair or r.name in SOURCES[doc_id].repairs


def received(rule_name: str, doc_id: str) -> str:
    """The text a rule receives inside clean(): the raw file after every rule before it that runs on it."""
    text = raw_text(doc_id)
    for r in RULES:
        if r.name == rule_name:
            return text
        if runs_on(r, doc_id):
            text = r(text)
    raise KeyError(rule_name)


def clean_doc(doc_id: str):
    """clean() as ingest calls it: with the repairs the document declares in sources.toml."""
    return clean(raw_text(doc_id), repairs=SOURCES[doc_id].repairs)


def run_rule(rule_name: str, doc_id: str) -> tuple[str, str]:
    before = received(rule_name, doc_id)
    return before, RULE[rule_name](before)


def assert_removed(before: str, after: str, *junk: str) -> None:
    for j in junk:
        assert j in before, f"{j!r} should be in the text before the rule (is the test on the right file?)"
        assert j not in after, f"{j!r} survived the rule"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]


# --- one test per rule ------------------------------------------------------------------------------


def test_normalize_text_ends_the_mind_map_with_a_newline_so_its_last_line_stands_alone():
    raw = raw_text(MIND_MAP)
    assert not raw.endswith("\n")
    after = normalize_text(raw)
    assert after.endswith("\n")
    joined = (after + "Submitted by: someone").split("\n")
    assert joined[-2].endswith("was in no state to fight.")
    assert joined[-1] == "Submitted by: someone"


def test_normalize_text_makes_a_windows_copy_with_a_bom_clean_to_the_same_text():
    raw = raw_text(MIND_MAP)
    windows = "\ufeff" + raw.replace("\n", "\r\n").replace("Nazi threat", "Nazi\u00a0threat")
    assert clean(windows).text == clean(raw).text


def test_javascript_notices_removes_please_enable_javascript_from_the_mind_map():
    before, after = run_rule("javascript_notices", MIND_MAP)
    assert_removed(before, after, "Please enable JavaScript.", "Coggle requires JavaScript to display documents.")
    assert "Soviet Foreign Policy under Stalin" in after


def test_cookie_banner_removes_the_cookie_notice():
    before, after = run_rule("cookie_banner", AIMS)
    assert_removed(before, after, "We use cookies to give you the best experience possible", "cookie policy")
    assert "Stalin’s Foreign Policy" in after


def test_submission_header_removes_views_and_words_and_metadata_keeps_submitter_and_date():
    before, after = run_rule("submission_header", OPENING)
    assert_removed(before, after, "Views: 73", "Words: 961", "Pages: 4", "Category: World History",
                   "Submitted by", "Date Submitted")
    assert after.startswith("Soviet foreign policy in the period of 1925-1945 under Stalin")
    meta = metadata(raw_text(OPENING))
    assert meta["submitted_by"] == "mattman123"
    assert meta["date_submitted"] == "11/04/2014 08:01 AM"
    assert clean_doc(OPENING).metadata == meta


def test_submission_header_leaves_a_document_without_one_alone():
    text = received("submission_header", ESSAY)
    assert RULE["submission_header"](text) == text
    assert metadata(raw_text(ESSAY)) == {}


def test_chat_widget_removes_the_agent_and_her_sales_questions():
    before, after = run_rule("chat_widget", AIMS)
    assert_removed(before, after, "Emma Taylor", "Hi there!", "Would you like to get such a paper?")
    assert "online" not in lines(after)


def test_countdown_removes_the_timer():
    before, after = run_rule("countdown", AIMS)
    assert_removed(before, after, "14 : 59 : 59", "The next update will be in:")


@pytest.mark.parametrize("doc_id, advert", [
    (PREVIEW, "Unlimited access from just £6.99 per month"),
    (PREVIEW, "Join over 1.2 million students every month"),
    (PREVIEW, "Accelerate your learning by 29%"),
    (PREVIEW, "150,000+ documents available"),
    (PREVIEW, "Just £6.99 a month"),
    (PREVIEW, "Search for your essay title"),
    (AIMS, "The whole doc is available only for registered users"),
    (AIMS, "A limited time offer! Get a custom sample essay"),
    (AIMS, "Order Now"),
    (AIMS, "Sorry, but copying text is forbidden on this website."),
])
def test_adverts_removes_subscription_and_paper_mill_offers(doc_id, advert):
    before, after = run_rule("adverts", doc_id)
    assert_removed(before, after, advert)


def test_adverts_removes_every_copy_of_a_repeated_advert():
    before, after = run_rule("adverts", PREVIEW)
    assert before.count("Unlimited access from just £6.99 per month") == 2
    assert "£" not in after


def test_site_labels_removes_lone_labels_and_the_browser_tab_title():
    before, after = run_rule("site_labels", AIMS)
    for label in ("essay", "icon", "logo"):
        assert label in lines(before)
        assert label not in lines(after)
    before, after = run_rule("site_labels", MIND_MAP)
    assert_removed(before, after, "Soviet Foreign Policy under Stalin - Coggle Diagram")
    assert "Soviet Foreign Policy under Stalin" in lines(after)


def test_preview_cut_marks_removes_read_more_and_keeps_the_sentence_before_the_cut():
    before, after = run_rule("preview_cut_marks", PREVIEW)
    assert before.count("...read more.") == 3
    assert_removed(before, after, "read more", "Extracts from this document")
    assert "as they pursued a strategy of collective security.\n" in after
    assert "but it came from the highest level.\n" in after


def test_duplicate_teasers_removes_the_teaser_and_keeps_the_paragraph_it_was_copied_from():
    teaser = "Christian Rakovsky wrote the above in 1926 while serving as the Soviet ambassador to France."
    before, after = run_rule("duplicate_teasers", PREVIEW)
    assert before.count(teaser) == 2
    assert after.count(teaser) == 1
    assert "the other powers.1 " + teaser in after  # the copy in context stays


@pytest.mark.parametrize("doc_id, junk", [
    (PREVIEW, "The above preview is unformatted text"),
    (PREVIEW, "Related AS and A Level International History, 1945-1991 essays"),
    (PREVIEW, "Warren Report"),
    (PREVIEW, "Gorbachev"),
    (PREVIEW, "McCarthy"),
    (PREVIEW, "landlocked situation"),
    (PREVIEW, "Over 160,000 pieces"),
    (ESSAY, "You May Also Find These Documents Helpful"),
    (ESSAY, "Kennan"),
    (ESSAY, "NATO enlargement"),
    (ESSAY, "2308 Words"),
    (ESSAY, "Good Essays"),
    (AIMS, "Related Topics"),
    (AIMS, "Your Answer Is Very Helpful"),
])
def test_trailing_site_sections_cuts_related_essays_and_teasers(doc_id, junk):
    before, after = run_rule("trailing_site_sections", doc_id)
    assert_removed(before, after, junk)


@pytest.mark.parametrize("doc_id, last_words", [
    (PREVIEW, "lost to Poland in the 1920-21 war."),
    (ESSAY, "How was it different?"),  # the questions go later, by their own rule
    (AIMS, "regardless of what Stalin did."),
])
def test_trailing_site_sections_keeps_the_text_up_to_the_trailer(doc_id, last_words):
    _, after = run_rule("trailing_site_sections", doc_id)
    assert after.rstrip().endswith(last_words)


def test_analysis_questions_removes_the_questions_and_questions_keeps_them():
    before, after = run_rule("analysis_questions", ESSAY)
    assert_removed(before, after, "SOVIET FOREIGN POLICY ANALYSIS QUESTIONS",
                   "1. Why is Soviet foreign policy described", "Teheran –", "Potsdam –",
                   "10. How was the Soviet foreign policy of the 1950’s")
    assert "Finally, the Potsdam Conference in July, 1945" in after
    assert after.rstrip().endswith("was at stake.")
    found = questions(raw_text(ESSAY))
    assert len(found) == 13
    assert found[0].startswith("1. Why is Soviet foreign policy")
    assert found[-1].startswith("10. How was the Soviet foreign policy")
    assert found[8:11] == ["Teheran –", "Yalta –", "Potsdam –"]
    assert clean_doc(ESSAY).questions == found


def test_analysis_questions_finds_no_questions_in_the_other_documents():
    assert all(questions(raw_text(d)) == [] for d in DOC_IDS if d != ESSAY)


def test_flattened_table_makes_successes_and_failures_sections_and_leaves_no_bar():
    before, after = run_rule("flattened_table", AIMS)
    assert "Successes| Failures|" in before
    assert "|" not in after
    assert "Successes:" in lines(after) and "Failures:" in lines(after)
    order = [after.index(s) for s in ("Successes:", "In 1932, the USSR signs peace pacts",
                                      "Failures:", "In 1933, Hitler comes to Power")]
    assert order == sorted(order)


def test_glued_footnote_numbers_removes_numbers_after_sentences_and_quotations():
    before, after = run_rule("glued_footnote_numbers", PREVIEW)
    for glued, fixed in [
        ("powers.1 Christian", "powers. Christian"),
        ('Stalin."11 William', 'Stalin." William'),
        ('France."12 His', 'France." His'),
        ('negotiations?"13 This', 'negotiations?" This'),
        ("Germany.23 In July", "Germany. In July"),
        ("since 1920.2 This", "since 1920. This"),
    ]:
        assert glued in before
        assert glued not in after and fixed in after
    assert "1920-21 war" in after and "May 3rd 1939" in after


def test_glued_footnote_numbers_leaves_decimals_alone():
    text = "Output grew by 3.5 percent in 1938. Imports fell 2.4 times.\n"
    assert RULE["glued_footnote_numbers"](text) == text


def test_missing_sentence_space_puts_back_the_space_between_sentences():
    before, after = run_rule("missing_sentence_space", AIMS)
    for joined, fixed in [("now seen.In 1938", "now seen. In 1938"),
                          ("Great Brittain.The German", "Great Brittain. The German")]:
        assert joined in before
        assert joined not in after and fixed in after


def test_missing_sentence_space_does_not_split_initials():
    _, after = run_rule("missing_sentence_space", ESSAY)
    assert "headed by G.V. Chicherin from 1918" in after


def test_split_numbers_rejoins_split_years():
    before, after = run_rule("split_numbers", MIND_MAP)
    assert "Franco-Soviet Pact of 1 935" in before and "Franco-Soviet Pact of 1935" in after
    assert "23 August 1 939" in before and "23 August 1939" in after
    assert not re.search(r"\b1 \d{3}\b", after)
    assert "Munich 29 September 1938" in after and "3 September Britain" in after


def test_split_words_rejoins_words_split_by_pdf_extraction():
    before, after = run_rule("split_words", MIND_MAP)
    for split, whole in [("Fran ce", "France"), ("a ny action", "any action"), ("increasi ngly", "increasingly")]:
        assert split in before
        assert split not in after and whole in after


@pytest.mark.parametrize("other", [d for d in DOC_IDS if d != MIND_MAP])
def test_split_words_changes_nothing_in_documents_without_split_words(other):
    before, after = run_rule("split_words", other)
    assert after == before


def test_broken_lines_rejoins_broken_lines_and_keeps_short_notes_on_their_own():
    before, after = run_rule("broken_lines", MIND_MAP)
    assert "the Soviet\nUnion offered" in before
    assert "September 1938, the Soviet Union offered to act on the Franco-Soviet Pact of 1935, Designed to protect Czechoslovakia." in lines(after)
    assert "Britain, France and USSR 'guarantee' Poland against Nazi aggression." in lines(after)
    assert "not allowed to join LoN" in lines(after)
    assert "3 September Britain and France declared war on Germany" in lines(after)


def test_tidy_whitespace_collapses_blank_lines_and_strips_indentation():
    before, after = run_rule("tidy_whitespace", AIMS)
    assert "\n\n\n" in before
    assert "\n\n\n" not in after
    before, after = run_rule("tidy_whitespace", PREVIEW)
    assert before.startswith("\n")
    assert after.startswith('"What seems to us advisable')
    indented = "  Litvinov   was dismissed.\n\n\n\n   Molotov replaced him.  \n"
    assert RULE["tidy_whitespace"](indented) == "Litvinov was dismissed.\n\nMolotov replaced him.\n"


# --- the rules as a whole ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_rule_has_a_docstring_and_its_own_test(rule):
    assert len(rule.description) > 20, f"rule {rule.name} needs a docstring saying what junk it removes"
    tests = [name for name in globals() if name.startswith(f"test_{rule.name}_")]
    assert tests, f"rule {rule.name} has no test named test_{rule.name}_..."


# Junk that must be in no clean document.
JUNK_ANYWHERE = [
    "read more", "Extracts from this document", "The above preview", "per month", "a month", "£", "million students",
    "documents available", "registered users", "custom", "Order Now", "Order an essay", "copying text", "cookie",
    "JavaScript", "Coggle", "Emma Taylor", "Hi there", "next update", "59 : 59", "Submitted by", "Views:",
    "Date Submitted", "Related", "You May Also Find", "Words\n", "Pages\n", "Good Essays", "Plagiarism", "|",
    "QUESTIONS", "Why is Soviet foreign policy described",
]

# Junk found in one raw file, that must not survive its cleaning.
JUNK = {
    PREVIEW: ["Gorbachev", "McCarthy", "Warren Report", "Start learning", "Over 160,000 pieces", "powers.1",
              'Stalin."11', "Accelerate your learning", "...read more."],
    ESSAY: ["Kennan", "NATO enlargement", "2308 Words", "Gaddis", "Best Essays", "Teheran –"],
    MIND_MAP: ["Fran ce", "a ny ", "increasi ngly", "1 935", "1 939", "the Soviet\nUnion", "Coggle Diagram"],
    OPENING: ["mattman123", "World History", "Words: 961"],
    AIMS: ["\nicon\n", "\nlogo\n", "\nessay\n", "\nonline\n", "Your Answer Is Very Helpful", "Materials Daily", "seen.In",
           "Successes| Failures|", "We use cookies"],
}


def test_no_junk_survives_cleaning(doc_id):
    raw, text = raw_text(doc_id), clean_doc(doc_id).text
    for junk in JUNK[doc_id]:
        assert junk in raw, f"{junk!r} is not in the raw file: the test is on the wrong document"
        assert junk not in text, f"{junk!r} survived cleaning in {doc_id}"
    for junk in JUNK_ANYWHERE:
        assert junk not in text, f"{junk!r} survived cleaning in {doc_id}"


# Real content that must come out of cleaning word for word.
CONTENT = {
    PREVIEW: [
        "Christian Rakovsky wrote the above in 1926 while serving as the Soviet ambassador to France.",
        "The German charge d'affaires in Moscow reported to Berlin on May 3rd 1939:",
        "It meant a sharp violent turning in Soviet foreign policy.",
        "In July Zhukhov defeated the Japanese at Khalkin-Gol and in August the whole Kwangtung army.",
        "In conclusion this essay can only say that the Nazi-Soviet Pact was rather a 'stunning success' (as it would have appeared to Stalin in 1939) than a failure.",
        "She also regained those parts of the Ukraine and Byelorussia lost to Poland in the 1920-21 war.",
    ],
    ESSAY: [
        "The result is a foreign policy which is best described as schizophrenic",
        "Traditional foreign policy was pursued by the Commissariat for Foreign Affairs headed by G.V. Chicherin from 1918 to 1930.",
        "By 1932, almost 50% of Russian imports came from Germany.",
        "The Munich Conference of 1938 was the final straw.",
        "Finally, the Potsdam Conference in July, 1945 clearly marked the end of the Grand Alliance in all but name.",
        "This time the fate of the human species – and all life on the planet – was at stake.",
    ],
    MIND_MAP: [
        "Soviet Foreign Policy under Stalin\n1917\nBolshevik Revolution\n",
        "\nnot allowed to join LoN\n",
        "\n1922 Treaty of Rapallo with Germany\n",
        "May 1939 Litvinov replaced as commissar for foreign affairs by Molotov, instructed to pursue new diplomatic policy.",
        "J. P. Taylor’s (The Origins of the Second World War)",
        "This was especially necessary as the Red Army after Manchuria, was in no state to fight.",
    ],
    OPENING: [
        "Soviet foreign policy in the period of 1925-1945 under Stalin is viewed by historians in both positive and negative ways.",
        "Chris Korin suggests that “Nowhere is this policy clearer than in his policy towards the communist party in China”.",
        "In May 1935, the Soviet Union signed mutual assistance pacts with France and Czechoslovakia.",
        "Litvinov had no illusions, “Our security will remain...",
    ],
    AIMS: [
        "Stalin’s Foreign Policy\n",
        "Joseph Stalin rose to power in the USSR by 1928.",
        "In 1934, the USSR joins the League of Nations.",
        "After the Nazi-Soviet pact was signed, Stalin supported the Germans with resources.",
        "Overall Conclusion:\n",
        "so a German invasion was predestined to happen, regardless of what Stalin did.\n",
    ],
}


def test_real_content_survives_cleaning_verbatim(doc_id):
    text = clean_doc(doc_id).text
    for sentence in CONTENT[doc_id]:
        assert sentence in text, f"{sentence!r} was lost or changed by cleaning {doc_id}"


def test_cleaning_clean_text_changes_nothing(doc_id):
    text = clean_doc(doc_id).text
    assert clean(text, repairs=SOURCES[doc_id].repairs).text == text


def test_clean_reports_what_each_rule_removed(doc_id):
    cleaned = clean_doc(doc_id)
    assert [r.rule for r in cleaned.reports] == [r.name for r in RULES if runs_on(r, doc_id)]
    assert any(r.touched for r in cleaned.reports)
    if doc_id == AIMS:
        chat = next(r for r in cleaned.reports if r.rule == "chat_widget")
        assert "Emma Taylor" in chat.removed and "Hi there!" in chat.removed
        table = next(r for r in cleaned.reports if r.rule == "flattened_table")
        assert table.changed and "Successes| Failures|" in table.changed[0][0]


def test_committed_clean_copy_is_what_cleaning_produces(doc_id):
    cleaned = clean_doc(doc_id)
    stale = "is stale: run `footnote ingest` to regenerate corpus/clean/ from corpus/raw/"
    assert cleaned.text == clean_text(doc_id), f"corpus/clean/{doc_id}.txt {stale}"
    qfile = CORPUS / "clean" / f"{doc_id}.questions.txt"
    if cleaned.questions:
        assert qfile.read_text(encoding="utf-8") == "\n".join(cleaned.questions) + "\n", f"{qfile.name} {stale}"
    else:
        assert not qfile.exists(), f"{qfile.name} {stale}"


def test_every_raw_file_is_listed_in_sources_toml():
    listed = {info.file for info in SOURCES.values()}
    assert {p.name for p in Path(CORPUS / "raw").iterdir()} == listed


SCRAPED_PAGE = """\
This website uses cookies to ensure you get the best experience. Accept
Please enable JavaScript in your browser.
Submitted by: jane_doe
Views: 12
Date Submitted: 01/02/2020 10:00 AM

The Treaty of Brest-Litovsk - Essay Hub
The Treaty of Brest-Litovsk
essay
Join over 3 million students today
  • Only $9.99 a month
The treaty was signed in March 1918 and took Russia out of the war. Lenin accepted harsh terms to save the revolution.4 Trotsky had walked out of the talks ...read more.
Russia lost a third of its population.It also lost much of its coal.
Unemployment rose by 3.5 percent in 1 918 and the Bolsheviks blamed the
peace for it.

Sarah Jones

online

Hello!
Need help with your homework?
Want us to write it for you?

The next update will be in:
02 : 10 : 05

Related GCSE Russia 1914-1924 essays
1. How far was Tsar Nicholas II to blame for the revolution?
A teaser from an essay about the Tudors.
"""


def test_rules_are_general_and_clean_a_page_they_have_never_seen():
    cleaned = clean(SCRAPED_PAGE, repairs=["glued_footnote_numbers", "missing_sentence_space", "split_numbers",
                                           "broken_lines"])
    assert cleaned.text == (
        "The Treaty of Brest-Litovsk\n"
        "The treaty was signed in March 1918 and took Russia out of the war. Lenin accepted harsh terms to save "
        "the revolution. Trotsky had walked out of the talks\n"
        "Russia lost a third of its population. It also lost much of its coal.\n"
        "Unemployment rose by 3.5 percent in 1918 and the Bolsheviks blamed the peace for it.\n"
    )
    assert cleaned.metadata["submitted_by"] == "jane_doe"
    assert cleaned.metadata["date_submitted"] == "01/02/2020 10:00 AM"


# --- a clean document stays as it is ----------------------------------------------------------------

TUNING_DOCS = ROOT.parent / "shared" / "datasets" / "squad-history" / "docs"


def tuning_articles() -> list[Path]:
    return sorted(TUNING_DOCS.glob("*.txt")) if TUNING_DOCS.is_dir() else []


@pytest.mark.skipif(not tuning_articles(), reason="the tuning set (../shared/datasets/squad-history) is not here")
@pytest.mark.parametrize("article", tuning_articles(), ids=lambda p: p.stem)
def test_cleaning_leaves_every_tuning_set_article_as_it_is_up_to_whitespace(article):
    raw = article.read_text(encoding="utf-8")
    assert clean(raw).text.split() == raw.split()


# Sentences of clean articles that a repair, run on them, would damage: why repairs must be declared.
LOOKS_DAMAGED = {
    "split_words": "In the lists he was seen as a knight winning a bout against the king's champion.\n",
    "split_numbers": "The assembly voted 1 935 to 12 in favour, a majority of 1 923.\n",
    "broken_lines": "Tennyson's lines were learnt by every pupil:\nInto the valley of Death\nrode the six hundred.\n",
    "glued_footnote_numbers": "The plan is set out in Appendix B.2 The first stage began at once.\n",
    "missing_sentence_space": "The archive is online at history.Gov and in print.\n",
    "flattened_table": "Winners | Losers |\nFrance | Germany\n",
}


@pytest.mark.parametrize("name", sorted(LOOKS_DAMAGED))
def test_a_repair_runs_only_for_a_source_that_declares_it(name):
    text = LOOKS_DAMAGED[name]
    assert RULE[name].repair
    assert RULE[name](text) != text, "the example should be one the repair would change"
    assert clean(text).text == text
    others = [r.name for r in RULES if r.repair and r.name != name]
    assert clean(text, repairs=others).text == text


def test_a_knight_winning_a_bout_is_not_winning_about():
    text = "In the lists he was seen as a knight winning a bout against the king's champion.\n"
    assert clean(text).text == text


def test_an_unknown_repair_is_refused_by_name():
    with pytest.raises(ValueError, match="split_wrods"):
        clean("Text.\n", repairs=["split_wrods"])
    with pytest.raises(ValueError, match="adverts"):
        clean("Text.\n", repairs=["adverts"])  # junk removal is not a repair: it always runs


def test_sources_toml_declares_only_repairs_and_only_where_they_change_the_file(doc_id):
    for name in SOURCES[doc_id].repairs:
        assert RULE[name].repair, f"{name} is not a repair"
        before = received(name, doc_id)
        assert RULE[name](before) != before, f"{doc_id} declares {name} but has nothing it repairs"


# Lines of clean articles that mention what site furniture mentions: junk rules run on everything, so
# they must leave these alone.
LOOKS_LIKE_JUNK = [
    "The abbot granted the monks unlimited access to the royal forest.",
    "Accusations of plagiarism followed the book's publication in 1862.",
    "Cookies were accepted as currency in the camp, by tacit consent of the guards.",
    "The guild refused to order an essay\nfrom the young scholar.",
    "Related to these are Montaigne's essays\nwhich shaped the period's thought.",
    "He had to decide whether to sign an order now or wait for the council.",
    "The regiment kept a custom of toasting the king.",
    "Countdown to war\n10:30:00 was the hour set for the attack.",
    "A miner earned $4 a month.",
    "We use cookies, wrote the quartermaster, " + ("and the men accepted them as rations for the march. " * 6).rstrip(),
]


@pytest.mark.parametrize("text", LOOKS_LIKE_JUNK)
def test_junk_removal_leaves_a_clean_line_that_only_mentions_junk_words(text):
    text = text + "\n"
    assert clean(text).text == text


# --- cleaning is linear in size: checked for the right output on a bounded size, never timed ----------
# (speed figures are printed by benchmark/clean_scale.py)

TWO_MB = 2_000_000


def quadratic_duplicate_teasers(text: str) -> str:
    """The rule as first written (every paragraph searched for in every later one): the reference."""
    lines = text.split("\n")
    return "\n".join(line for i, line in enumerate(lines)
                     if not (len(line.strip()) >= 60
                             and any(line.strip() in later and line.strip() != later.strip() for later in lines[i + 1 :])))


def test_duplicate_teasers_agrees_with_the_pairwise_search_on_random_paragraphs():
    import random

    rng = random.Random(8)
    sentences = [f"Sentence {n} says the envoy reached the {w} frontier before the winter of 19{n % 90 + 10}."
                 for n, w in enumerate(["northern", "southern", "eastern", "western"] * 10)]
    for _ in range(40):
        lines = []
        for _ in range(rng.randint(0, 60)):
            kind = rng.random()
            if kind < 0.4:
                lines.append(rng.choice(sentences))
            elif kind < 0.8:
                lines.append(" ".join(rng.sample(sentences, rng.randint(2, 4))))
            elif kind < 0.9:
                lines.append("")
            else:
                lines.append(rng.choice(["Short line.", '"' + rng.choice(sentences) + '"', "  " + rng.choice(sentences)]))
        text = "\n".join(lines)
        assert RULE["duplicate_teasers"](text) == quadratic_duplicate_teasers(text)


def test_duplicate_teasers_removes_every_teaser_of_a_2_mb_file_and_keeps_everything_else():
    blocks, n, size = [], 0, 0
    while size < TWO_MB:
        teaser = f"Teaser {n}: the delegation of {n} left for Moscow with new instructions from London."
        body = (f"Paragraph {n} opens the story. {teaser} It continues with what the delegation found there, "
                f"and how the talks of {n} ended.")
        repeated = "This line of the page footer repeats in every block and is not a teaser of anything at all."
        blocks.append(f"{teaser}\n\n{repeated}\n{body}\n{repeated}\n")
        size += len(blocks[-1])
        n += 1
    text = "\n".join(blocks)
    after = RULE["duplicate_teasers"](text)
    for i in (0, n // 2, n - 1):
        teaser = f"Teaser {i}: the delegation of {i} left for Moscow with new instructions from London."
        assert after.count(teaser) == 1 and f"opens the story. {teaser} It continues" in after
    assert after.count("This line of the page footer repeats") == 2 * n
    assert len(after) == len(text) - sum(len(f"Teaser {i}: the delegation of {i} left for Moscow with new "
                                             "instructions from London.\n") for i in range(n))


def test_clean_reports_each_advert_of_a_2_mb_file_once_and_in_order():
    paragraph = "The convoy sailed from Liverpool in March and reached Murmansk after eleven days at sea."
    lines, adverts = [], []
    for k in range(TWO_MB // len(paragraph)):
        if k % 50 == 25:
            adverts.append(f"Join over {k} million students every month")
            lines.append(adverts[-1])
        else:
            lines.append(f"{paragraph} ({k})")
    text = "\n".join(lines) + "\n"
    cleaned = clean(text)
    assert cleaned.text == "\n".join(x for x in lines if x not in adverts) + "\n"
    report = next(r for r in cleaned.reports if r.rule == "adverts")
    assert report.removed == adverts and report.changed == []
    assert not any(r.touched for r in cleaned.reports if r.rule != "adverts")


def test_clean_reports_lines_changed_in_place_across_a_2_mb_file():
    lines = [f"   Indented note {k} on the Yalta talks and what each side wanted." for k in range(TWO_MB // 70)]
    cleaned = clean("\n".join(lines) + "\n")
    report = next(r for r in cleaned.reports if r.rule == "tidy_whitespace")
    assert len(report.changed) >= 1 and not report.removed
    changed_old = [line.strip() for old, _ in report.changed for line in old.split("\n")]
    assert changed_old == [line.strip() for line in lines]  # every line reported once, in order


def test_broken_lines_joins_a_2_mb_run_of_broken_lines_into_one_line():
    lines = [f"the {k}th delegate spoke of the frontier," for k in range(TWO_MB // 42)] + ["and then it ended."]
    after = RULE["broken_lines"]("\n".join(lines) + "\n")
    assert after == " ".join(lines) + "\n"


def test_flattened_table_leaves_a_long_line_of_bars_that_is_no_header():
    text = "a| " * 5000 + "x\nThe rest.\n"
    assert RULE["flattened_table"](text) == text  # possessive match: fails at once, not after every split


def test_preview_cut_marks_leaves_a_long_run_of_spaces_alone():
    text = "word" + " " * 200_000 + "word\n"
    assert RULE["preview_cut_marks"](text) == text


def test_site_labels_removes_a_browser_tab_title_in_a_2_mb_file():
    filler = ["A line of notes on the talks at Potsdam.", ""] * (TWO_MB // 80)
    text = "\n".join(["Potsdam - History Site", "", "Potsdam", *filler]) + "\n"
    after = RULE["site_labels"](text)
    assert after == "\n".join(["", "Potsdam", *filler]) + "\n"


def test_the_line_diff_rebuilds_the_new_lines_and_is_no_coarser_than_difflib_within_a_window():
    import difflib
    import random

    from ingest.clean import _DIFF_WINDOW, _line_diff

    rng = random.Random(9)
    for size in [0, 1, 50, _DIFF_WINDOW - 10, 3 * _DIFF_WINDOW, 20 * _DIFF_WINDOW]:
        a = [rng.choice(["", "Molotov.", "Litvinov.", f"Line {rng.randint(0, size)}."]) for _ in range(size)]
        b = [x + "!" if rng.random() < 0.03 else x for x in a if rng.random() > 0.05]
        rebuilt, pos_a, pos_b = [], 0, 0
        for op, i1, i2, j1, j2 in _line_diff(a, b):
            assert (i1, j1) == (pos_a, pos_b), "opcodes must follow each other without a gap"
            if op == "equal":
                assert a[i1:i2] == b[j1:j2]
            rebuilt += b[j1:j2]
            pos_a, pos_b = i2, j2
        assert (pos_a, pos_b) == (len(a), len(b)) and rebuilt == b
        if size < _DIFF_WINDOW:
            changed = [(op, i1, i2) for op, i1, i2, _, _ in _line_diff(a, b) if op != "equal"]
            reference = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            assert len(changed) <= len([o for o in reference if o[0] != "equal"])
