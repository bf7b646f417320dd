"""Hybrid retrieval at sentence level: BM25 (bm25s) and dense (Chroma, MiniLM), fused by reciprocal
rank fusion, returning the passages that enclose the best sentences, diversified across documents.

The query is expanded for what students type and the sources spell differently: spelling variants are
found by fuzzy-matching query words against the corpus vocabulary (RapidFuzz), so 'Litvinov' also finds
the mind map's 'Litinov' and 'Ribbentrop' finds 'Ribentropp'; names of the same treaty are aliased.
This module ranks; it does not decide whether to answer (compose.py) or format anything.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .library import Library

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours what's how's why's did
    explain describe discuss say said tell according""".split()
)

MONTHS = frozenset("january february march april may june july august september october november december".split())

_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
# A word of a question as written, accents and all ('Dubček', 'WW2'): names are looked for among these
# (NAME_TOKEN keeps initials' stops: 'U.K.').
WORD_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
NAME_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-case content words (stopwords dropped); hyphenated names stay whole and also split."""
    out = []
    for w in _TOKEN.findall(fold(text.lower().replace("’", "'"))):
        w = _ORDINAL.sub(r"\1", w.removesuffix("'s"))  # '31st May' is '31 May'
        if w in STOPWORDS:
            continue
        out.append(w)
        if "-" in w:
            out += [_ORDINAL.sub(r"\1", p) for p in w.split("-") if p and p not in STOPWORDS]
    return out


# Letters NFKD leaves whole though a reader types them as plain Latin ('Frœschwiller', 'Łódź', 'Gießen').
_LATIN = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                        "đ": "d", "Đ": "D", "ı": "i"})


def fold(text: str) -> str:
    """Accents dropped: 'Fröschwiller' -> 'Froschwiller', 'Dubček' -> 'Dubcek'. Words are compared folded
    (`words`), so a question typed without accents finds the sources' accented names, and an accented
    name is one word, not 'dub' and 'ek'. (Hand-written: unidecode-style packages also transliterate
    Cyrillic or Greek, which must stay as they are.)"""
    if text.isascii():
        return text
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.translate(_LATIN)) if not unicodedata.combining(c))


def load_aliases(path: Path) -> dict[str, str]:
    """A corpus's other names for things (`corpus/aliases.toml`); none if it has no such file."""
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("aliases", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def aliases_in(question: str, aliases: dict[str, str]) -> list[str]:
    """The alias keys the question contains."""
    q = f" {question.lower().replace('’', chr(39))} "
    return [k for k in aliases if k in q]


def stems(ws: list[str]) -> list[str]:
    return _stemmer().stemWords(ws)


def top(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, largest first: np.argsort(-x)[:k] without sorting all of x
    (a full sort of 60,000 sentence scores, several a question, cost more than the rest of ranking)."""
    if k >= len(x):
        return np.argsort(-x)
    part = np.argpartition(-x, k)[:k]
    return part[np.argsort(-x[part])]


_INITIALISM = re.compile(r"[A-Z]{2,}(?:I{1,3}|IV|V|\d)?")
_CAPITALISED_RUN = re.compile(r"(?:(?:[A-Z][\w'’-]*|of|the|and|for)\s+)*[A-Z][\w'’-]*")
_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X{1,3}|\d+)$")


def initialisms(texts) -> set[str]:
    """Every initialism the capitalised phrases of these texts spell ('World War II' -> 'WWII', 'WW',
    'Belarusian Democratic Forum' -> 'BDF'), so a question that abbreviates a name the sources write out
    does not look as if it named something unknown (on the tuning set, 'WWII' did just that)."""
    out: set[str] = set()
    for text in texts:
        for run in _CAPITALISED_RUN.findall(fold(text)):
            parts = [w if _ROMAN.match(w) else w[0] for w in run.split() if w not in ("of", "the", "and", "for")]
            for i in range(len(parts)):
                for j in range(i + 2, min(len(parts), i + 6) + 1):
                    out.add("".join(parts[i:j]))
    return out


@dataclass
class Hit:
    passage_id: str
    score: float
    sentences: list[tuple[int, float]]  # (sentence row, fused score), best first


class Retriever:
    """Ranks sentences and passages of a Library for a question."""

    RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al. 2009); 60 is the usual choice
    RARE_NAME_SHARE = 0.03  # a name in at most this share of sentences (or two) is distinctive
    REPEAT_SIM = 0.86  # two sentences this similar say the same thing (as compose.DUPLICATE_SIM)

    def __init__(self, library: Library, embed_query):
        self.lib = library
        self.embed_query = embed_query
        self.aliases = load_aliases(library.index.settings.corpus_dir / "aliases.toml")
        tables = library.derived("retriever", lambda: self.tables(library))
        self.bm25, self.vocab, self.stemmed, self.df, self.folded, self.rows_of = (
            tables["bm25"], tables["vocab"], tables["stemmed"], tables["df"], tables["folded"], tables["rows_of"])
        self.initialisms = tables["initialisms"]

    @staticmethod
    def tables(library: Library) -> dict:
        """What the retriever knows of the corpus, computed from its sentences (stored with the index
        generation by Library.derived, so that only the first start pays for it)."""
        import bm25s

        docs = []
        for s in library.sentences:
            heading = library.passages[s.passage_id].heading
            docs.append(stems(words(s.text + " " + heading)))
        bm25 = bm25s.BM25()
        bm25.index(docs, show_progress=False)
        vocab = sorted({w for s in library.sentences for w in words(s.text)})
        stemmed = [set(d) for d in docs]
        df = Counter(st for d in stemmed for st in d)  # stem -> number of sentences that contain it
        folded = {fold(st) for st in df} | set(stems([fold(w) for w in vocab]))
        rows_of: dict[str, list[int]] = {}  # stem -> rows of the sentences that contain it, in order
        for i, d in enumerate(stemmed):
            for st in d:
                rows_of.setdefault(st, []).append(i)
        return {"bm25": bm25, "vocab": vocab, "stemmed": stemmed, "df": df, "folded": folded, "rows_of": rows_of,
                "initialisms": initialisms(s.text for s in library.sentences)}

    # --- query -----------------------------------------------------------------------------------

    @lru_cache(maxsize=4096)  # noqa: B019 - one Retriever per process; variants of a word never change
    def variants(self, word: str) -> tuple[str, ...]:
        """Corpus words that are spelling variants of `word` (same first letter, similar spelling)."""
        if len(word) < 6 or not word.isalpha():
            return ()
        from rapidfuzz import fuzz, process

        found = process.extract(word, self.vocab, scorer=fuzz.ratio, score_cutoff=86, limit=4)
        return tuple(w for w, _, _ in found if w != word and w[0] == word[0] and abs(len(w) - len(word)) <= 2)

    def expand(self, question: str) -> list[str]:
        extra = [self.aliases[k] for k in aliases_in(question, self.aliases)]
        ws = words(question) + words(" ".join(extra))
        for w in list(ws):
            ws += list(self.variants(w))
        return ws

    def dense_query(self, question: str) -> str:
        """The text embedded for dense search: the question plus the sources' spellings of its words
        ('Tehran' gains 'Teheran'), which the embedding model would otherwise treat as unrelated."""
        extra = [w for w in dict.fromkeys(self.expand(question)) if w not in question.lower()]
        return f"{question} {' '.join(extra)}" if extra else question

    def coverage(self, question: str, rows: list[int]) -> float:
        """Share of the question's content words (or a spelling variant) found in these sentences."""
        qwords = set(words(question))
        if not qwords:
            return 0.0
        text = " ".join(self.lib.sentences[r].text + " " + self.lib.passages[self.lib.sentences[r].passage_id].heading
                        for r in rows)
        have = set(stems(words(text)))
        found = 0
        for w in qwords:
            if stems([w])[0] in have or any(v in have for v in stems(list(self.variants(w)))):
                found += 1
        return found / len(qwords)

    @lru_cache(maxsize=4096)  # noqa: B019 - one Retriever per process
    def known(self, word: str) -> bool:
        """Do the sources use this word, or a spelling of it? Accents do not count ('Saarbrucken' is
        'Saarbrücken'), nor do initials, abbreviations and regnal numbers ('U.K', 'Selim I's'), and a
        typo of a word the sources use is that word ('Emporer'). Each of these made answerable
        questions on the tuning set look as if they named something unknown."""
        if _INITIALISM.fullmatch(word) and word in self.initialisms:
            return True
        w = fold(word.lower().replace("’", "'")).strip("'.-").removesuffix("'s")
        if len(w) <= 2 or "." in w or not w.isascii():
            return True
        if "-" in w:
            return all(self.known(part) for part in w.split("-") if part)
        if stems([w])[0] in self.folded or any(v in self.df for v in stems(list(self.variants(w)))):
            return True
        from rapidfuzz import fuzz, process

        found = process.extractOne(w, self.vocab, scorer=fuzz.ratio, score_cutoff=85) if len(w) >= 6 else None
        return found is not None and found[0][0] == w[0]

    def aliased_words(self, question: str) -> dict[str, list[str]]:
        """The words of the aliases file's keys found in the question, each with the words of what the
        aliases file says it stands for: names the corpus knows another way ('tehran' -> ['teheran'])."""
        out: dict[str, list[str]] = {}
        for k in aliases_in(question, self.aliases):
            for part in k.split():
                out.setdefault(part, []).extend(words(self.aliases[k]))
        return out

    def unknown_names(self, question: str) -> list[str]:
        """Names in the question that the sources never mention: capitalised words (not the first word)
        absent from the corpus. A missing first name before a known surname ('Geoffrey Roberts') is fine.
        Asking about a name the sources do not know is a strong sign they cannot answer; the abstention
        model weighs it with the other evidence."""
        tokens = NAME_TOKEN.findall(question)
        # A name the corpus's aliases file gives another name for ('WWII', 'Moscow') is known by that name.
        aliased = self.aliased_words(question)
        groups, cur = [], []
        for i, t in enumerate(tokens):
            capital = t[0].isupper() and i > 0 and t.lower() not in STOPWORDS and len(t.rstrip(".")) > 1
            if capital:
                cur.append(t)
            elif cur and t.lower() in {"of", "the"} and i + 1 < len(tokens) and tokens[i + 1][0].isupper():
                cur.append(t)
            elif cur:
                groups.append(cur)
                cur = []
        if cur:
            groups.append(cur)
        unknown = []
        for g in groups:
            names = [t for t in g if t[0].isupper()]
            known = [t.lower() in aliased or self.known(t) for t in names]
            # a missing word right before a known name is a first name ('Geoffrey Roberts')
            missing = [t for i, t in enumerate(names) if not known[i] and not (i + 1 < len(names) and known[i + 1])]
            # A phrase whose words all occur ('Italy the Byzantine Empire', 'Western Allies') is not unknown:
            # checking that the words occur together declined answerable questions on unseen articles.
            if missing:
                unknown.append(" ".join(g))
        return unknown

    def rare_names(self, question: str) -> list[str]:
        """Stems of the names in the question (capitalised words after the first) that few sentences
        share, with their spelling variants: 'Haslam', 'Potsdam', 'Rapallo', not 'Stalin' or 'Soviet'.
        A question that names a rare thing is about that thing, whatever else its words match."""
        tokens = WORD_TOKEN.findall(question)[1:]
        # A name the aliases file gives another name for is that name: 'Tehran' is the sources' rare
        # 'Teheran', while 'Moscow' stands for the USSR, which is no rare name.
        alias_of = self.aliased_words(question)
        out = []
        for t in tokens:
            w = t.lower().replace("’", "'").removesuffix("'s")
            if not t[0].isupper() or w in STOPWORDS or w in MONTHS:
                continue
            spellings = alias_of[w] if w in alias_of else [w, *self.variants(w)]
            group = [st for st in dict.fromkeys(stems(spellings)) if st in self.df]
            if group and sum(self.df[st] for st in group) <= max(2, self.RARE_NAME_SHARE * len(self.lib.sentences)):
                out += group
        return out

    def naming(self, question: str) -> set[int]:
        """Rows of the sentences that contain one of the question's rare names (empty if it names none)."""
        # From the stem -> rows table: a scan of every sentence's stems cost 15 ms a question at 25,000.
        return {i for st in set(self.rare_names(question)) for i in self.rows_of.get(st, ())}

    # --- ranking ---------------------------------------------------------------------------------

    def rank(self, question: str, k: int = 5, query_vector: np.ndarray | None = None, hide: frozenset[int] = frozenset()):
        """Top-k passages (diversified across documents), the dense similarity of every sentence to the
        question, and the BM25 scores. Rows in `hide` read as if the sources did not hold them (the fits
        make look-alike questions this way: a question asked with its answer's sentences taken out)."""
        lib = self.lib
        if query_vector is None:
            query_vector = self.embed_query(self.dense_query(question))
        qv = np.asarray(query_vector, dtype=np.float32)
        qv /= np.linalg.norm(qv) + 1e-9

        tokens = stems(self.expand(question))
        # bm25s fails on an empty query ('Why?' has no content word): no tokens, no BM25 evidence
        bm = self.bm25.get_scores(tokens) if tokens and len(lib.sentences) else np.zeros(len(lib.sentences))
        # Dense search is exact, in memory: the library holds every live vector (read from Chroma once), and
        # a Chroma query filtered to the live records cost 60 ms each on 10,000 sentences, twice a question.
        sims = lib.vectors @ qv if len(lib.sentences) else np.zeros(0)
        psims = lib.passage_vectors @ qv if len(lib.passage_vectors) else np.zeros(0)
        if hide:
            rows = np.fromiter(hide, dtype=np.int64)
            sims, bm = sims.copy(), np.array(bm, dtype=np.float64)
            sims[rows], bm[rows] = -1.0, 0.0
            hidden_passages = {lib.sentences[int(r)].passage_id for r in rows}
            psims = np.array([-1.0 if pid in hidden_passages else x for pid, x in zip(lib.passage_order, psims, strict=True)])

        fused = np.zeros(len(lib.sentences), dtype=np.float64)
        for rank, row in enumerate(top(bm, 40)):
            if bm[row] > 0:
                fused[row] += 1.0 / (self.RRF_K + rank)
        for rank, row in enumerate(top(sims, 40)):
            fused[row] += 1.0 / (self.RRF_K + rank)
        passage_bonus = {lib.passage_order[i]: 1.0 / (self.RRF_K + r) for r, i in enumerate(top(psims, 12))}

        hits = []
        # Only passages with a fused sentence or a dense passage match can score above zero.
        touched = {lib.sentences[int(r)].passage_id for r in np.flatnonzero(fused)} | set(passage_bonus)
        for pid in sorted(touched, key=lambda x: lib.passage_order_ix[x]):
            p = lib.passages[pid]
            if not p.sentence_ix:
                continue
            ranked = sorted(((ix, float(fused[ix])) for ix in p.sentence_ix if ix not in hide), key=lambda x: -x[1])
            if not ranked:
                continue
            score = ranked[0][1] + 0.5 * passage_bonus.get(pid, 0.0)
            if score > 0:
                hits.append(Hit(pid, score, ranked))
        hits.sort(key=lambda h: -h.score)
        return self._diversify(hits, k), sims, bm

    def _diversify(self, hits: list[Hit], k: int) -> list[Hit]:
        """Prefer diversity where several passages say the same thing: a passage whose best sentence
        nearly repeats the best sentence of one already chosen gives way to the next one. (A blanket
        discount per document was tried and cost recall: most questions are answered by one essay.)"""
        vectors = self.lib.vectors
        chosen: list[Hit] = []
        for h in hits:
            if len(chosen) >= k:
                break
            top = h.sentences[0][0]
            if any(float(vectors[top] @ vectors[c.sentences[0][0]]) >= self.REPEAT_SIM for c in chosen):
                continue
            chosen.append(h)
        return chosen
