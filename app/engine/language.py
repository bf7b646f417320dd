"""Whether a question is written in English, the language of Footnote's sources.

A question in another language cannot be matched against English sources word by word, and the
embedding model would still find "nearest" English sentences for it, so the engine declines it with a
message instead. Two tests, cheapest first:

- script: a question whose letters are mostly not Latin (Cyrillic, Chinese, Arabic, Greek...) is
  written in another script; a Cyrillic name inside an English question is a minority of its letters.
- words: for a Latin-script question, each word's frequency in English is compared with its frequency
  in other Latin-script languages (wordfreq); a question whose words are, on average, clearly more
  common in one other language than in English is written in that language. Names ('Stalin',
  'Litvinov') are about as common everywhere and pull the average towards zero, so a question made of
  names is never declined.

This module only decides; the engine words the decline.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The Latin-script languages wordfreq has lists for (wordfreq.available_languages()).
OTHER_LATIN = ("ca", "cs", "da", "de", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt", "lv", "ms",
               "nb", "nl", "pl", "pt", "ro", "sh", "sk", "sl", "sv", "tr", "vi")

# More than half of the letters in another script: the question is written in that script.
NON_LATIN_SHARE = 0.5

# Fitted by `python -m app.engine.language` (see `calibrate`): English scores at most -1.01 over the 50
# questions of eval/questions.yaml and at most 0.94 over the corpus's 233 sentences (a two-word fragment,
# 'Haslam and C.'); the 26 translated questions in tests/data/foreign_questions.txt score at least 1.35
# (German 'Was war der Hitler-Stalin-Pakt?'). The threshold is the midpoint of that gap.
FOREIGN_SCORE = 1.15

# Fewer words than this say too little to decline on: 'Rapallo?' is an Italian word too.
MIN_WORDS = 2

_WORD = re.compile(r"[^\W\d_]+")


def non_latin_share(text: str) -> float:
    """Share of the letters in `text` that are not Latin letters (0.0 when it has no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(not unicodedata.name(c, "").startswith("LATIN") for c in letters) / len(letters)


def content_words(text: str) -> list[str]:
    """The words that say which language a text is in, lower-cased: names are left out (a capitalised
    word after the first, such as 'Rapallo', 'Hitler' or 'Lebensraum', is as much at home in an English
    question as in any other), and so are single letters (initials, 'a', 'y')."""
    words = _WORD.findall(text)
    return [w.lower() for i, w in enumerate(words) if len(w) > 1 and (i == 0 or not w[0].isupper())]


@lru_cache(maxsize=1)
def _zipf():
    # The 'small' lists (words of Zipf frequency 3 and above, i.e. once per million words or more) hold
    # every function word and load in about 0.3 s for all the languages; rarer words read as 0 in
    # every language, so they weigh nothing either way.
    from wordfreq import zipf_frequency

    return lambda word, lang: zipf_frequency(word, lang, wordlist="small")


def foreign_score(text: str) -> tuple[float, str]:
    """How much more common the text's words are in the likeliest other language than in English: the
    mean, over its words, of (Zipf frequency in that language - Zipf frequency in English), and that
    language. Zipf frequencies are log10 of occurrences per billion words, so 1.0 means 'ten times as
    common'. English text scores below zero; a text of fewer than MIN_WORDS words other than names scores
    0.0."""
    words = content_words(text)
    if len(words) < MIN_WORDS:
        return 0.0, "en"
    zipf = _zipf()
    english = [zipf(w, "en") for w in words]
    best, best_lang = float("-inf"), "en"
    for lang in OTHER_LATIN:
        score = sum(zipf(w, lang) - e for w, e in zip(words, english, strict=True)) / len(words)
        if score > best:
            best, best_lang = score, lang
    return best, best_lang


def is_english(text: str) -> bool:
    """False when the question is written in another script or in another Latin-script language."""
    if non_latin_share(text) > NON_LATIN_SHARE:
        return False
    return foreign_score(text)[0] <= FOREIGN_SCORE


def foreign_questions(path) -> list[str]:
    """The questions of a file like tests/data/foreign_questions.txt (one a line, '#' comments)."""
    lines = path.read_text("utf-8").splitlines()
    return [q.strip() for q in lines if q.strip() and not q.startswith("#")]


def calibrate() -> None:
    """Print the scores FOREIGN_SCORE is fitted on: English (the evaluation questions and the corpus's
    sentences) and the translated questions in tests/data/."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    questions = [q["question"] for q in yaml.safe_load((root / "eval" / "questions.yaml").read_text("utf-8"))["questions"]]
    sentences = []
    for f in sorted((root / "corpus" / "clean").glob("*.txt")):
        sentences += [s for s in re.split(r"(?<=[.?!])\s+", f.read_text("utf-8")) if len(_WORD.findall(s)) >= 3]
    foreign = foreign_questions(root / "tests" / "data" / "foreign_questions.txt")
    for name, texts in (("English questions", questions), ("English corpus sentences", sentences),
                        ("foreign questions", foreign)):
        scores = sorted(foreign_score(t)[0] for t in texts)
        print(f"{name:<26} n={len(scores):<5} min {scores[0]:.2f}  median {scores[len(scores) // 2]:.2f}  "
              f"max {scores[-1]:.2f}")


# Chat register: interjections and chat abbreviations that carry no content ("yo why was litvinov sacked
# lol"). A closed class of the register, listed by hand, not fitted to any question: the tagger cannot be
# asked instead (it tags a final "lol" as a noun and "yo" as a verb). Only unambiguous forms: "like", "so",
# "ok" and "well" are words of questions too.
CHAT_FILLER = frozenset("""yo lol lool lmao lmfao rofl pls plz plss omg omfg idk tbh imo imho btw bruh haha hahaha
    hey hi hello heya thx ty ugh um umm uh hmm hmmm ya yeah nah dude ngl smh fyi asap""".split())


def without_filler(question: str) -> str:
    """The question without chat filler, for looking it up: a student's "yo ... lol" never decides whether
    the sources answer. A question of filler alone gives "" (it has no word to look up)."""
    kept = [m for m in re.finditer(r"\S+", question) if re.sub(r"[^\w]", "", m.group().lower()) not in CHAT_FILLER]
    if len(kept) == len(question.split()):
        return question
    text = " ".join(m.group() for m in kept)
    return re.sub(r"^[\s,;:.!-]+", "", text)


if __name__ == "__main__":
    calibrate()
