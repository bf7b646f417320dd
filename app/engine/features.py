"""Features of a (question, candidate sentence) pair, for the fitted sentence ranker, and of a
question's evidence as a whole, for the fitted abstention model.

Every feature is shallow and corpus-independent: retrieval scores and ranks (BM25, dense cosine), how
much of the question the sentence repeats (IDF-weighted words and bigrams), whether the sentence holds
the kind of thing the question asks for (a date for "when", a number for "how many", a new name for
"who" / "where"), and the same for its paragraph neighbours. Nothing here knows one corpus: the weights
are fitted on the public tuning set (`python -m eval.fit_ranker`). This module computes; it decides
nothing.
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import answer_types
from .retrieve import STOPWORDS, WORD_TOKEN, Hit, Retriever, aliases_in, stems, top, words
from .sentences import depends_on_previous, next_in_paragraph

# The question's type, from its wording. Order matters: the first pattern that matches wins.
QTYPES = {
    "date": re.compile(r"\b(when|what (year|years|date|month|day|decade|century|time|era|period)|"
                       r"(which|in what) (year|month|decade|century)|how long ago)\b"),
    # "How far is Metz from Paris?" asks a distance; "How far did the Blitz break British morale?" asks to
    # what extent (a reason question, below): a distance question names its ends or its unit.
    "number": re.compile(r"\bhow (many|much|long|old|large|big|high|often)|\bhow far\b(?=.*\b(from|away|apart|"
                         r"below|above|off|distance|miles?|kilometres?|kilometers?|km)\b)|\bwhat (percentage|percent|"
                         r"proportion|number|amount|size|population)|\b(which|what) (fraction|share)\b"),
    "person": re.compile(r"\b(who|whom|whose)\b|\b(which|what) (person|man|woman|leader|general|king|emperor|"
                         r"president|minister|commander|historian)\b"),
    "place": re.compile(r"\bwhere\b|\b(which|what) (country|city|town|place|region|island|state|river|"
                        r"province|nation|capital|area|territory|sea|port)\b"),
    "reason": re.compile(r"\bwhy\b|\bwhat (caused|led|prompted|motivated)|\bfor what reason\b|\bhow far\b|"
                         r"\bhow (successful|important|significant|effective)\b|\bto what extent\b|\bassess\b"),
}
QTYPE_NAMES = list(QTYPES)

_YEAR = re.compile(r"\b(1\d{3}|20\d{2})s?\b|\b\d{1,2}(st|nd|rd|th)? century\b", re.IGNORECASE)
_MONTH = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b",
                    re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen|half|percent)\b",
                     re.IGNORECASE)
_REASON = re.compile(r"\b(because|due to|since|as a result|in order to|so that|led to|caused|therefore|reason|"
                     r"aimed|intended|feared|fear|wanted|sought|hoped|to avoid|to prevent)\b", re.IGNORECASE)
_CAP = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")

SENTENCE_FEATURES = [
    "cos", "cos_gap", "cos_rank", "bm", "bm_norm", "bm_rank", "fused_rank",
    "idf_overlap", "word_overlap", "bigram_overlap", "novel_share", "log_len",
    "has_year", "has_month", "has_number", "novel_caps", "reason_cue",
    *[f"q_{t}" for t in QTYPE_NAMES],
    "date_match", "number_match", "person_match", "place_match", "reason_match",
    "nb_cos", "nb_bm_norm", "nb_idf_overlap", "passage_rank", "passage_cos", "heading_overlap",
    "first_in_paragraph", "leans_on_previous", "generic", "same_doc_as_best", "doc_best_cos_gap",
    "para_idf_coverage", "para_max_cos", "names_here", "type_fit", "antecedent_names", "type_in_event",
]
# Each of these also enters relative to the best candidate of the same question (value minus the
# maximum), and the first two by rank among the candidates: a sentence competes with the others for
# this question, not with every sentence of the tuning set (held out: first-sentence accuracy 68.7% -> 70.7%).
RELATIVE = ["idf_overlap", "word_overlap", "bigram_overlap", "para_idf_coverage", "nb_idf_overlap", "names_here",
            "cos", "bm", "type_fit"]
RANKED = ["idf_overlap", "word_overlap"]
SENTENCE_FEATURES = [*SENTENCE_FEATURES, *(f"{f}_vs_best" for f in RELATIVE), *(f"{f}_rank" for f in RANKED)]
_BASE = len(SENTENCE_FEATURES) - len(RELATIVE) - len(RANKED)

EVIDENCE_FEATURES = ["top_cos", "top_cos_margin", "coverage", "top_prob", "top_bm", "unknown_names",
                     "q_content_words", "no_content", "top_idf_overlap", "deictic", "names_in_best",
                     "names_in_candidates", "top_para_idf_coverage", "unknown_word_share"]
# Tried 2026-12-07: whether the best sentences hold the asked-for kind of thing (answer_types.py) as three
# more features here; held out, look-alikes declined 52.6% -> 52.2% and answers taken out 24.3% -> 23.5%.


def qtype_vector(question: str) -> np.ndarray:
    q = question.lower()
    first = next((i for i, t in enumerate(QTYPE_NAMES) if QTYPES[t].search(q)), None)
    v = np.zeros(len(QTYPE_NAMES), dtype=np.float32)
    if first is not None:
        v[first] = 1.0
    return v


def qtype(question: str) -> str | None:
    v = qtype_vector(question)
    return QTYPE_NAMES[int(v.argmax())] if v.any() else None


def _bigrams(seq: list[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:], strict=False))


class Featurizer:
    """Builds feature rows for one Retriever's library; holds the per-sentence data it reuses."""

    def __init__(self, retriever: Retriever):
        self.r = retriever
        self.lib = retriever.lib
        # Computed once per index generation and stored with it (Library.derived): tens of seconds of
        # Python at 20,000 passages.
        self.__dict__.update(self.lib.derived("featurizer", lambda: self.tables(retriever)))
        self._event_args: dict[int, list] = {}

    @staticmethod
    def tables(retriever: Retriever) -> dict:
        """The per-sentence data features are computed from."""
        lib = retriever.lib
        t: dict = {}
        n = max(len(lib.sentences), 1)
        t["idf"] = {st: math.log(1 + (n - df + 0.5) / (df + 0.5)) for st, df in retriever.df.items()}
        t["default_idf"] = math.log(1 + (n + 0.5) / 0.5)
        t["sent_stems"] = sent_stems = [stems(words(s.text)) for s in lib.sentences]
        t["sent_sets"] = sent_sets = [set(x) for x in sent_stems]
        t["sent_bigrams"] = [_bigrams(x) for x in sent_stems]
        t["head_sets"] = [set(stems(words(lib.passages[s.passage_id].heading))) for s in lib.sentences]
        t["len"] = np.array([math.log1p(len(s.text)) for s in lib.sentences], dtype=np.float32)
        t["has_year"] = np.array([bool(_YEAR.search(s.text)) for s in lib.sentences], dtype=np.float32)
        t["has_month"] = np.array([bool(_MONTH.search(s.text)) for s in lib.sentences], dtype=np.float32)
        t["has_number"] = np.array([bool(_NUMBER.search(s.text)) for s in lib.sentences], dtype=np.float32)
        t["reason"] = np.array([bool(_REASON.search(s.text)) for s in lib.sentences], dtype=np.float32)
        t["caps"] = [{c.lower() for c in _CAP.findall(s.text)} for s in lib.sentences]
        t["leans"] = np.array([depends_on_previous(s.text) for s in lib.sentences], dtype=np.float32)
        para = [0] * len(lib.sentences)  # paragraph number of each sentence (consecutive sentences)
        prev = np.full(len(lib.sentences), -1, dtype=np.int64)
        nxt = np.full(len(lib.sentences), -1, dtype=np.int64)
        for i in range(len(lib.sentences) - 1):
            if next_in_paragraph(lib, i) is not None:
                nxt[i], prev[i + 1] = i + 1, i
        members: dict[int, list[int]] = {}
        for i in range(len(lib.sentences)):
            para[i] = para[i - 1] if i and prev[i] == i - 1 else (para[i - 1] + 1 if i else 0)
            members.setdefault(para[i], []).append(i)
        t["para"], t["prev"], t["next"], t["para_members"] = para, prev, nxt, members
        t["para_sets"] = {k: set().union(*(sent_sets[i] for i in v)) for k, v in members.items()}
        # The sentence's named entities as the reading at ingest found them: (label, start, end, their words).
        t["ents"] = [answer_types.entities(s.reading, s.text) for s in lib.sentences]
        t["antecedent"] = _antecedents(lib)
        return t

    # --- the question ----------------------------------------------------------------------------

    def question_terms(self, question: str) -> tuple[list[str], set[str], set[tuple[str, str]], set[str]]:
        qstems = stems(words(question))
        raw = {w.lower().strip("'’") for w in WORD_TOKEN.findall(question)}
        return qstems, set(qstems), _bigrams(qstems), raw

    def question_names(self, question: str) -> list[set[str]]:
        """The names the question is about (capitalised words after the first), each as the set of
        stems that count as it: its own, its spelling variants in the sources ('Tehran' -> 'Teheran') and
        its aliases."""
        tokens = WORD_TOKEN.findall(question)[1:]
        out = []
        for t in tokens:
            w = t.lower().replace("’", "'").removesuffix("'s")
            if not t[0].isupper() or w in STOPWORDS:
                continue
            group = set(stems(words(w))) | set(stems(list(self.r.variants(w))))
            group |= {st for k in aliases_in(f" {w} ", self.r.aliases) for st in stems(words(self.r.aliases[k]))}
            if group:
                out.append(group)
        return out

    def known_names(self, question: str) -> list[str]:
        """The names the question asks about that the sources mention, as typed: runs of capitalised words
        after the first word ("the Winter War" -> "Winter War"), each word one the sources use."""
        out: list[str] = []
        run: list[tuple[str, int, int]] = []  # (word, start, end)

        def flush() -> None:
            phrase = " ".join(w for w, _, _ in run)
            if len(run) > 1 and question[: run[0][1]].lower().rstrip().endswith((" the", "the")):
                phrase = "the " + phrase  # "in the Winter War": "the Winter War" (but "the Tehran conference": "Tehran")
            if run and all(self.r.known(w.lower()) for w, _, _ in run) and phrase not in out:
                out.append(phrase)
            run.clear()

        for m in WORD_TOKEN.finditer(question):
            t = m.group().replace("’", "'").removesuffix("'s")
            named = m.start() > 0 and t[0].isupper() and t.lower() not in STOPWORDS
            if run and (not named or question[run[-1][2]:m.start()].strip()):
                flush()
            if named:
                run.append((t, m.start(), m.end()))
        flush()
        return out

    def names_found(self, question: str, rows: list[int]) -> float:
        """Share of the question's names that these sentences' paragraphs mention (1 if it names none)."""
        names = self.question_names(question)
        if not names:
            return 1.0
        have = set().union(*(self.para_sets[self.para[i]] for i in rows)) if rows else set()
        return sum(bool(g & have) for g in names) / len(names)

    def event_args(self, ix: int) -> list[list[tuple[str, set[str]]]]:
        """Each event of a sentence (its reading) as its parties: subject, object and agent, with their stems
        (computed on first use and kept: a question reads only its candidates')."""
        got = self._event_args.get(ix)
        if got is None:
            got = [[(a, set(stems(words(a)))) for a in ev[1:4] if a]
                   for ev in (self.lib.sentences[ix].reading or {}).get("events", ())]
            self._event_args[ix] = got
        return got

    def idf_of(self, st: str) -> float:
        return self.idf.get(st, self.default_idf)

    # --- sentences -------------------------------------------------------------------------------

    def candidates(self, hits: list[Hit], sims: np.ndarray, bm: np.ndarray, n_global: int = 15) -> list[int]:
        """The sentences worth ranking: those of the retrieved passages, the best few of the whole
        library by cosine and by BM25, and their paragraph neighbours."""
        rows = [ix for h in hits for ix, _ in h.sentences]
        if len(sims):
            rows += [int(i) for i in top(sims, n_global)]
            rows += [int(i) for i in top(bm, n_global) if bm[i] > 0]
        out = list(dict.fromkeys(rows))
        for ix in list(out):
            for j in (self.prev[ix], self.next[ix]):
                if j >= 0 and j not in out:
                    out.append(int(j))
        return out

    def sentence_matrix(self, question: str, cands: list[int], hits: list[Hit], sims: np.ndarray,
                        bm: np.ndarray) -> np.ndarray:
        lib = self.lib
        n = len(cands)
        if not n:
            return np.zeros((0, len(SENTENCE_FEATURES)), dtype=np.float32)
        qlist, qset, qbi, qraw = self.question_terms(question)
        # Each question word counts as found when the sources' spelling of it is ('Tehran' - 'Teheran').
        spell = {t: {t} | set(stems(list(self.r.variants(t)))) for t in qset}
        qidf = sum(self.idf_of(t) for t in qset) or 1.0

        def found(terms: set[str], have: set[str]) -> set[str]:
            return {t for t in terms if spell[t] & have}
        qtv = qtype_vector(question)
        names = self.question_names(question)
        expect = answer_types.expected(question)
        qwords = answer_types.question_words(question)

        def type_fit(new: list[tuple[str, int, int]]) -> float:
            return answer_types.fit_of(expect, {lab for lab, _, _ in new})

        def type_in_event(ix: int, new: list[tuple[str, int, int]]) -> float:
            """A thing of the asked-for kind that the question does not name, as one party of an event whose
            other party the question names: "Litvinov [subject] replaced ... by Molotov [agent]" for "Who
            took over from Litvinov?" (the parse's own path from the question's words to the answer)."""
            best = 0.0
            sentence = self.lib.sentences[ix].text
            named = [(lab, sentence[a:b]) for lab, a, b in new]
            for args in self.event_args(ix):
                asked = [bool(st & qset) for _, st in args]
                for k, (text, _) in enumerate(args):
                    if not any(a for j, a in enumerate(asked) if j != k):
                        continue
                    for lab, name in named:
                        if name in text:
                            best = max(best, expect.get(lab, 0.0))
                    # a name the entity recogniser left out ("... by Molotov"): any kind of name
                    if _NAME.fullmatch(text) and not answer_types.question_words(text) <= qwords:
                        best = max(best, answer_types.fit_of(expect, NAME_LABELS))
            return best

        def antecedent_names(ix: int) -> float:
            """Share of the question's names that only the person a pronoun of this sentence points back
            to supplies ("This outlook he termed peaceful co-existence", he = Chicherin)."""
            ante = self.antecedent[ix]
            if not names or not ante:
                return 0.0
            return sum(bool(g & ante) and not g & self.sent_sets[ix] for g in names) / len(names)

        cos_all = sims
        order_cos = np.argsort(-cos_all)
        cos_rank = np.empty(len(cos_all), dtype=np.float32)
        cos_rank[order_cos] = np.arange(len(cos_all))
        order_bm = np.argsort(-bm)
        bm_rank = np.empty(len(bm), dtype=np.float32)
        bm_rank[order_bm] = np.arange(len(bm))
        fused = 1 / (60 + cos_rank) + np.where(bm > 0, 1 / (60 + bm_rank), 0)
        fused_rank = np.empty(len(fused), dtype=np.float32)
        fused_rank[np.argsort(-fused)] = np.arange(len(fused))
        top_cos = float(cos_all.max())
        bm_max = float(bm.max()) or 1.0

        def overlap(ix: int) -> tuple[float, float, float]:
            s = self.sent_sets[ix]
            shared = found(qset, s)
            return (sum(self.idf_of(t) for t in shared) / qidf, len(shared) / max(len(qset), 1),
                    len(qbi & self.sent_bigrams[ix]) / max(len(qbi), 1))

        passage_rank = {h.passage_id: r for r, h in enumerate(hits)}
        passage_cos = {h.passage_id: max(float(sims[ix]) for ix, _ in h.sentences) for h in hits}
        best = int(order_cos[0])
        best_doc = lib.sentences[best].doc_id
        doc_best: dict[str, float] = {}
        for ix in cands:
            d = lib.sentences[ix].doc_id
            doc_best[d] = max(doc_best.get(d, -1.0), float(sims[ix]))

        X = np.zeros((n, len(SENTENCE_FEATURES)), dtype=np.float32)
        for k, ix in enumerate(cands):
            s = lib.sentences[ix]
            idf_o, word_o, bi_o = overlap(ix)
            stems_s = self.sent_stems[ix]
            novel = sum(1 for t in stems_s if t not in qset) / max(len(stems_s), 1)
            novel_caps = len(self.caps[ix] - qraw - STOPWORDS)
            nbs = [int(j) for j in (self.prev[ix], self.next[ix]) if j >= 0]
            new = answer_types.new_entities(self.ents[ix], qwords)  # what the sentence names that the question does not
            nb_cos = max((float(sims[j]) for j in nbs), default=0.0)
            nb_bm = max((float(bm[j]) for j in nbs), default=0.0) / bm_max
            nb_idf = max((overlap(j)[0] for j in nbs), default=0.0)
            prank = passage_rank.get(s.passage_id, len(hits))
            row = [
                float(sims[ix]), top_cos - float(sims[ix]), math.log1p(cos_rank[ix]),
                math.log1p(float(bm[ix])), float(bm[ix]) / bm_max, math.log1p(bm_rank[ix]), math.log1p(fused_rank[ix]),
                idf_o, word_o, bi_o, novel, float(self.len[ix]),
                self.has_year[ix], self.has_month[ix], self.has_number[ix], min(novel_caps, 5) / 5, self.reason[ix],
                *qtv,
                qtv[0] * max(self.has_year[ix], self.has_month[ix]), qtv[1] * self.has_number[ix],
                qtv[2] * min(novel_caps, 3) / 3, qtv[3] * min(novel_caps, 3) / 3, qtv[4] * self.reason[ix],
                nb_cos, nb_bm, nb_idf, math.log1p(prank), passage_cos.get(s.passage_id, 0.0),
                len(found(qset, self.head_sets[ix])) / max(len(qset), 1),
                float(self.prev[ix] < 0), self.leans[ix], float(lib.generic[ix]) if len(lib.generic) else 0.0,
                float(s.doc_id == best_doc), top_cos - doc_best[s.doc_id],
                sum(self.idf_of(t) for t in found(qset, self.para_sets[self.para[ix]])) / qidf,
                max(float(sims[j]) for j in self.para_members[self.para[ix]]),
                sum(bool(g & self.sent_sets[ix]) for g in names) / len(names) if names else 1.0,
                type_fit(new), antecedent_names(ix), type_in_event(ix, new),
            ]
            X[k, :_BASE] = row
        cols = [SENTENCE_FEATURES.index(f) for f in RELATIVE]
        X[:, _BASE : _BASE + len(cols)] = X[:, cols] - X[:, cols].max(axis=0)
        for j, f in enumerate(RANKED):
            order = np.argsort(-X[:, SENTENCE_FEATURES.index(f)], kind="stable")
            rank = np.empty(n, dtype=np.float32)
            rank[order] = np.arange(n)
            X[:, _BASE + len(cols) + j] = np.log1p(rank)
        return X



_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers)\b", re.IGNORECASE)
NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}  # spaCy's labels for a proper name
ANTECEDENT_REACH = 3  # sentences back a pronoun's person is looked for (within the document)


def _antecedents(lib) -> list[set[str]]:
    """For each sentence with a third-person singular pronoun and no person named before it, the stems of
    the person it most likely points back to, else an empty set: in the nearest of the ANTECEDENT_REACH
    sentences before it (same document) that names someone, its speaker ("Chicherin argued ..."), else
    its last PERSON entity, else the subject of its first event when that is a name. A recency rule, not
    coreference: written by hand because no installed library resolves pronouns (spaCy's small pipeline
    has no coreference component, and its entity labels miss rare names: "Chicherin" reads as a place);
    the ranker's fit weighs what it is worth."""
    out: list[set[str]] = []
    for i, s in enumerate(lib.sentences):
        found: set[str] = set()
        m = _PRONOUN.search(s.text)
        own = [a for a, _, lab in (s.reading or {}).get("ents", ()) if lab == "PERSON"]
        if m and not (own and min(own) < m.start()):
            for j in range(i - 1, max(-1, i - 1 - ANTECEDENT_REACH), -1):
                prev = lib.sentences[j]
                if prev.doc_id != s.doc_id:
                    break
                name = _named_in(prev)
                if name:
                    found = set(stems(words(name)))
                    break
        out.append(found)
    return out


def _named_in(s) -> str:
    """The person a sentence is about, by its reading: the speaker, a PERSON, or a named subject."""
    r = s.reading or {}
    says = r.get("says") or []
    if says and _NAME.match(says[0]) and not _PRONOUN.fullmatch(says[0]):
        return says[0]
    people = [(a, b) for a, b, lab in r.get("ents", ()) if lab == "PERSON"]
    if people:
        a, b = max(people)
        return s.text[a:b]
    for ev in r.get("events", ()):
        subject = ev[1] if len(ev) > 1 else ""
        if subject and _NAME.fullmatch(subject):
            return subject
    return ""


_NAME = re.compile(r"(?:[A-Z][\w.’'-]*\s?){1,4}")


# --- the evidence as a whole ----------------------------------------------------------------------

_DEICTIC = re.compile(r"\b(this|these|those)\s+(?!is\b|was\b|are\b|were\b)[a-z]+", re.IGNORECASE)


def deictic(question: str) -> bool:
    """Does the question point at something it never introduces ("the goal of this system")?"""
    return bool(_DEICTIC.search(question))


def evidence_row(fz: Featurizer, question: str, cands: list[int], cand_cos: np.ndarray, probs: np.ndarray,
                 X: np.ndarray, bm_max: float, coverage: float, unknown: int) -> np.ndarray:
    """One row of EVIDENCE_FEATURES: how close the best evidence is, absolutely (cosine, BM25, share of
    the question's words found), how sure the ranker is of its best sentence, and whether the names the
    question asks about are in the paragraphs of its best sentences (a look-alike question pairs a name
    with a topic the sources never put together)."""
    top = np.sort(cand_cos)[::-1] if len(cand_cos) else np.zeros(1, dtype=np.float32)
    best = int(np.argmax(probs)) if len(probs) else None
    qwords = len(set(words(question)))
    return np.array([
        float(top[0]), float(top[0] - (top[1] if len(top) > 1 else 0.0)), coverage,
        float(probs.max()) if len(probs) else 0.0, math.log1p(max(bm_max, 0.0)), float(unknown),
        float(min(qwords, 12)), float(qwords == 0),
        float(X[best, SENTENCE_FEATURES.index("idf_overlap")]) if best is not None else 0.0,
        float(deictic(question)),
        fz.names_found(question, [cands[i] for i in np.argsort(-probs)[:3]]) if len(probs) else 0.0,
        fz.names_found(question, cands),
        float(X[best, SENTENCE_FEATURES.index("para_idf_coverage")]) if best is not None else 0.0,
        # Any word, not only names: an off-topic question asks about capacitors or glaciers.
        sum(not fz.r.known(w) for w in set(words(question))) / qwords if qwords else 0.0,
    ], dtype=np.float32)
