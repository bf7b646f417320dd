"""A conversation: the last few turns, and follow-up questions rewritten into standalone ones.

Retrieval only sees one question, so "Why did he do that?" or "What happened next?" would be searched
for as they stand and match nothing in particular. Before a question goes to the engine, `resolve()`
rewrites it against the previous turns:

- a pronoun with no antecedent in the question itself is replaced by what it most likely refers to
  (what each question and answer mentions comes from mentions.py):
  he/him/his -> a person, they/them/their -> a group or country, it/its/this/that -> an event, treaty
  or policy; candidates come from the previous question, then the previous answer's first sentence,
  then older turns ("Who replaced Litvinov?" -> "What did he do?": the person the answer named);
- "Why?" (also "When?", "How?", "Why was that?", "Why did he do that?") asks about the previous
  statement: the previous question with its question word swapped when it has the form "When did X
  ...?", otherwise "Why was it that <the previous answer's first sentence>?";
- "What happened next?" asks what followed the previous topic (its event, or its statement);
- "And Britain?" / "What about Molotov?" is the previous question with its subject replaced.

A question that names its own subject is left as it is. There is no language model here, so this is
done with rules over capitalised names and a short list of words for events; the rules and the
words are about English, not about one corpus. This module decides nothing about answers: the engine
answers the resolved question as it would any other.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from .after import answer_after_rows, subject
from .answer import Answer
from .mentions import (
    AUXILIARIES,
    COUNTRY,
    FUNCTION_WORDS,
    GROUP,
    PERSON,
    THING,
    Mention,
    compatible,
    lower_article,
    mentions,
    same_kind,
    tokenize,
)

MAX_TURNS = 4  # older turns are forgotten: a pronoun five questions back is not what a student means

# What each pronoun may refer to, in tiers: the nearest mention of a kind in the first tier, else of
# the second. Countries are "they" in speech ("Britain ... why did they refuse?") as much as groups are,
# but "it" only when no event will do, and "she" ("extended her sphere of influence") only in old prose.
PRONOUNS = {
    "he": ((PERSON,),), "him": ((PERSON,),), "his": ((PERSON,),),
    "she": ((PERSON,), (COUNTRY,)), "her": ((PERSON,), (COUNTRY,)),
    "they": ((GROUP, COUNTRY),), "them": ((GROUP, COUNTRY),), "their": ((GROUP, COUNTRY),),
    "it": ((THING,), (COUNTRY,)), "its": ((THING,), (COUNTRY,)),
    "this": ((THING,),), "that": ((THING,),), "these": ((THING, GROUP),), "those": ((THING, GROUP),),
}
POSSESSIVE = {"his", "their", "its"}
DEMONSTRATIVE = {"this", "that", "these", "those"}

# A verb right after "that" makes it a pronoun: "that happen", "that matter".
VERBS_AFTER_THAT = frozenset("""
    was is were are did does had has happen happened matter mattered mean meant lead led cause caused change
    changed affect affected end ended help helped fail failed succeed succeeded work worked come came go
    went make made show showed
""".split())
# The words before "that" which make it a pronoun: "do that", "after that", "why was that".
BEFORE_PRONOUN_THAT = AUXILIARIES | frozenset("""
    do doing done about after before of with from by to for on than against despite like why how what
    when and achieve achieved gain gained want wanted say said think thought believe believed mean
""".split())

_WH = r"(?:why|when|how|where|how far|to what extent|in what year|in which year)"
_ELLIPTIC_WH = re.compile(rf"^(?:and |but |so )?({_WH}|how come)(?: (?:was|is) (?:that|this|it)| so| not| exactly)?"
                          r"\s*[?.!]*$", re.I)
_DO_THAT = re.compile(r"^(?:and |so )?(why|how) (?:did|would|could|does|do) (\w+) (?:do|say|choose|decide) "
                      r"(?:that|this|it|so)\s*[?.!]*$", re.I)
_NEXT = re.compile(r"^(?:and |so )?(?:(?:and )?then\b.*|what (?:happened|came|followed|happens)(?: (?:next|then|"
                   r"after that|after this|afterwards|later|after))?|what next|what followed(?: next)?|"
                   r"what was the (?:result|outcome|consequence)|what were the (?:results|outcomes|consequences)"
                   r")\s*[?.!]*$", re.I)
_ABOUT = re.compile(r"^(?:and|and what about|what about|how about|and how about|what of)\s+(.+?)\s*[?.!]*$", re.I)
_SWAP_WH = re.compile(rf"^(?:{_WH}|did|does|do|was|were|is|are|had|has|could|would)\b\s*"
                      r"(did|does|do|was|were|is|are|had|has|could|would)?\s*(.*)$", re.I)


@dataclass
class Turn:
    question: str  # as asked
    resolved: str  # the standalone question the engine answered
    sentences: list[str] = field(default_factory=list)  # the answer's cited sentences, in order

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer records (abstentions keep their question and no sentences)."""
        return cls(answer.question, answer.resolved_question or answer.question,
                   [] if answer.abstained else [s.text for s in answer.sentences])


def _repeats(answer: Answer, last: Turn) -> bool:
    """The answer opens as the last turn's did, or says mostly what it said."""
    mine = [s.text for s in answer.sentences]
    if not mine or not last.sentences:
        return False
    return mine[0] == last.sentences[0] or len(set(mine) & set(last.sentences)) * 2 >= len(mine)


class Conversation:
    """The last few turns, and `resolve()` for the next question."""

    def __init__(self, turns: list[Turn] | None = None, max_turns: int = MAX_TURNS):
        self.turns: deque[Turn] = deque(turns or [], maxlen=max_turns)

    @classmethod
    def of(cls, answers: list[Answer], max_turns: int = MAX_TURNS) -> Conversation:
        """The conversation a chat history holds (the app keeps answers, not a Conversation)."""
        return cls([Turn.of(a) for a in answers[-max_turns:]], max_turns)

    def add(self, answer: Answer) -> None:
        self.turns.append(Turn.of(answer))

    def ask(self, engine, question: str, **options) -> Answer:
        """Resolve the question, let the engine answer the standalone one, and remember the turn.
        The answer keeps the question as asked; `resolved_question` is set when it was rewritten."""
        asked = " ".join(question.split())
        resolved = self.resolve(asked)
        answer = engine.ask(resolved, **options)
        if self.turns and subject(resolved) is not None and _repeats(answer, self.turns[-1]):
            answer = self._next_after_last(engine, resolved, answer)
        if resolved != asked:
            answer.question, answer.resolved_question = asked, answer.question
        self.add(answer)
        return answer

    def _next_after_last(self, engine, resolved: str, repeated: Answer) -> Answer:
        """"What happened next?" whose answer would repeat the last one (its event is not one the timeline
        finds by name): what the timeline dates after the last answer's own dated sentences, or a plain
        statement that the sources date nothing after it, never the same answer again."""
        lib = engine.library
        rows_by_text = {" ".join(s.text.split()): i for i, s in enumerate(lib.sentences)}
        for turn in reversed(self.turns):  # the last answer's dated sentences, else the one before ...
            rows = [rows_by_text[t] for t in (" ".join(x.split()) for x in turn.sentences) if t in rows_by_text]
            found = answer_after_rows(engine, resolved, rows)
            if found is not None and not _repeats(found, self.turns[-1]):
                found.timings_ms = repeated.timings_ms
                return found
        return Answer(resolved, [], [], abstained=True, timings_ms=repeated.timings_ms,
                      warnings=["The sources date nothing after what the last answer described."])

    # --- resolution ------------------------------------------------------------------------------

    def resolve(self, question: str) -> str:
        """The question as a standalone one; unchanged when it names its own subject or there is no
        previous turn to resolve it against."""
        q = " ".join(question.split())
        if not self.turns or not q:
            return q
        last = self.turns[-1]
        if m := _ELLIPTIC_WH.match(q):
            return self._ask_about_statement(m.group(1).lower(), last)
        if m := _DO_THAT.match(q):
            return self._ask_about_statement(m.group(1).lower(), last)
        if _NEXT.match(q):
            return self._what_followed(last)
        if (m := _ABOUT.match(q)) and is_subject(m.group(1)):
            return self._replace_subject(m.group(1))
        return self._replace_pronouns(q)

    def _ask_about_statement(self, wh: str, last: Turn) -> str:
        if wh == "how come":
            wh = "why"
        previous = last.resolved.rstrip(" ?.!")
        m = _SWAP_WH.match(previous)
        first = previous.split(" ", 1)[0].lower()
        # "When did Hitler attack?" -> "Why did Hitler attack?"; not a "why" after a "why" question,
        # which asks why its answer holds.
        if m and m.group(1) and first != wh and not previous.lower().startswith(wh + " "):
            return f"{wh.capitalize()} {m.group(1).lower()} {m.group(2)}?"
        statement = self._statement(last)
        if statement:
            return f"{wh.capitalize()} was it that {statement}?"
        return last.resolved

    def _what_followed(self, last: Turn) -> str:
        """"What happened after <the last event talked about>?", else after the last statement."""
        for turn in reversed(self.turns):
            things = [m for m in mentions(turn.resolved) if m.kind == THING]
            if things:
                return f"What happened after {lower_article(things[0].text)}?"
        statement = self._statement(last)
        return f"What happened after {statement}?" if statement else last.resolved

    def _replace_subject(self, other: str) -> str:
        """The previous question about `other` instead: "And Britain?" replaces the last question's
        country or group, "What about Molotov?" its person. A question with nothing of that kind (one
        this module wrote, "What happened after the pact?") gives way to the turn before it, and a place
        standing for an event ("agreed at Yalta") takes any name ("And Potsdam?")."""
        new = mentions(other)
        kind = new[0].kind if new else PERSON

        def fits(m: Mention) -> bool:
            return compatible(m.kind, kind) or (kind == PERSON and m.kind == THING and not m.head)

        for turn in reversed(self.turns):
            target = next((m for m in mentions(turn.resolved) if fits(m)), None)
            if target:
                previous = turn.resolved
                break
        else:
            previous = self.turns[-1].resolved
            found = mentions(previous)
            if not found:
                return previous
            target = found[0]
        spans = tokenize(previous)
        first, last = spans[target.at], spans[target.at + len(tokenize(target.text)) - 1]
        replacement = other.strip()
        if last[1].endswith("'s") and not target.text.endswith("'s"):
            replacement += "'s"  # "Litvinov's dismissal" -> "Molotov's dismissal"
        return previous[:first[0]] + replacement + previous[last[0] + len(last[1]):]

    def _statement(self, turn: Turn) -> str:
        """What the previous turn established, as a clause: a "who" question with the person its answer
        names ("Molotov replaced Litvinov"), else the answer's first sentence with its leading pronoun
        resolved ("He called Munich a disaster" -> "Molotov called Munich a disaster")."""
        q = turn.resolved.rstrip(" ?.!")
        words = q.split()
        if words and words[0].lower() == "who" and len(words) > 1 and words[1].lower() not in AUXILIARIES:
            person = next((m.text for m in self._answer_people(turn)), None)
            if person:
                return f"{person} {' '.join(words[1:])}"
        if not turn.sentences:
            return ""
        sentence = clause(turn.sentences[0])
        return lower_article(substitute(sentence, self._candidates(context=turn, include_answer=False)))

    def _answer_people(self, turn: Turn) -> list[Mention]:
        asked = {m.text.lower() for m in mentions(turn.resolved)}
        if not turn.sentences:
            return []
        return [m for m in mentions(turn.sentences[0]) if m.kind == PERSON and m.text.lower() not in asked]

    def _candidates(self, context: Turn | None = None, include_answer: bool = True) -> list[list[Mention]]:
        """What a pronoun may refer to, as groups, nearest first: the last question's mentions (for a
        "who" question the person its answer named comes first), its answer's first sentence, then older
        turns the same way, and last the rest of the last answer (where "this operation" may be named)."""
        turns = [context] if context else list(self.turns)[::-1]
        out: list[list[Mention]] = []
        for turn in turns:
            asked = self._answer_people(turn) if include_answer and turn.resolved.lower().startswith("who ") else []
            out.append(asked + mentions(turn.resolved))
            if include_answer and turn.sentences:
                out.append(mentions(clause(turn.sentences[0])))
        if include_answer and turns and len(turns[0].sentences) > 1:
            out.append([m for sentence in turns[0].sentences[1:] for m in mentions(sentence)])
        return out

    def _replace_pronouns(self, question: str) -> str:
        return substitute(question, self._candidates())


def is_subject(words: str) -> bool:
    """Could these words be what "And ...?" asks about: a few words naming something ("Britain", "the
    Soviets", "the Munich Conference"), not a clause ("and what did Stalin think of it")?"""
    ws = words.lower().split()
    return 0 < len(ws) <= 5 and not any(w in AUXILIARIES or w in PRONOUNS or w in {"what", "why", "how", "when", "who"}
                                        for w in ws) and bool(mentions(words) or ws[0] == "the")


def clause(sentence: str) -> str:
    """An answer sentence as a clause to put in a question: no closing stop, no quote marks around it,
    and cut at a dash or semicolon when it runs long."""
    s = sentence.strip().strip('"“”').rstrip(" .!?")
    if len(s.split()) > 25:
        for cut in (" – ", " — ", "; ", ": "):
            head = s.split(cut, 1)[0]
            if len(head.split()) >= 6:
                s = head
                break
    return s


# --- pronouns ----------------------------------------------------------------------------------------


def substitute(text: str, sources: list[list[Mention]]) -> str:
    """Replace each pronoun of `text` that has no antecedent in `text` by the mention it most likely
    refers to: in the nearest source (a question, an answer's sentence) that has one of a kind it may
    refer to, the first of the kind it prefers. Pronouns with nothing to refer to are left as they are; the rest of the text is
    kept character for character."""
    spans = tokenize(text)
    words = [t for _, t in spans]
    own = mentions(text)
    candidates = [m for source in sources for m in source]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    for i, w in enumerate(words):
        lw = w.lower()
        if lw == "there" and locative(words, i) and not any(m.kind == THING for m in own):
            # "What did they discuss there?": there is where the last event took place
            place = next((m for m in candidates if m.kind == THING), None)
            if place is not None:
                to = i and words[i - 1].lower() in MOTION
                edits.append((spans[i][0], spans[i][0] + len(w), ("to " if to else "at ") + place.text))
            continue
        role = pronoun_role(words, i) if lw in PRONOUNS else None
        if role is None:
            continue
        tiers = PRONOUNS[lw]
        if any(m.at < i and m.kind in tier for tier in tiers for m in own):
            continue  # "Why did Stalin say he ...", "What did Moscow gain from its deal": the antecedent is here
        end = spans[i][0] + len(w)
        if role == "determiner":  # "this pact" -> "the Nazi-Soviet Pact"
            noun = same_kind(words[i + 1].lower())
            target = next((m for m in candidates if m.kind == THING and m.head and same_kind(m.head) == noun), None)
            if target is not None:
                edits.append((spans[i][0], spans[i + 1][0] + len(words[i + 1]), target.text))
            continue
        # "Why did Stalin distrust them?" after "Roosevelt, Churchill and Stalin": "them" is the others
        # (the question's own subject would be "themselves"), so the group loses its members the question
        # names, and names nothing if fewer than two are left.
        named = [o.text.lower() for o in own if o.kind in (PERSON, COUNTRY)]
        replacement = next((found for tier in tiers for source in sources for kind in tier for m in source
                            if m.kind == kind and (found := _others(m, named))), None)
        if replacement is None:
            continue
        if role == "possessive":
            replacement += "'" if replacement.endswith("s") else "'s"
        edits.append((spans[i][0], end, replacement))
    for start, end, replacement in reversed(edits):
        replacement = lower_article(replacement)
        if start == 0:
            replacement = replacement[:1].upper() + replacement[1:]
        text = text[:start] + replacement + text[end:]
    return text


def _others(m: Mention, named: list[str]) -> str | None:
    """A mention's text, or for a group the members not among `named` ("Roosevelt and Churchill" from
    "Roosevelt, Churchill and Stalin" when the question names Stalin); None if fewer than two are left."""
    if m.kind != GROUP or not named:
        return m.text
    members = [x.strip() for x in re.split(r",\s*|\s+and\s+", m.text) if x.strip()]
    names = {n.removeprefix("the ") for n in named}
    rest = [x for x in members if x.lower().removeprefix("the ") not in names]
    if len(rest) == len(members):
        return m.text
    if len(rest) < 2:
        return None
    return f"{', '.join(rest[:-1])} and {rest[-1]}"


_BE = frozenset("is was are were be been being isn't wasn't aren't weren't".split())
_MODAL = frozenset("will would could might may must".split())
MOTION = frozenset("go goes went gone come came travel travelled traveled fly flew send sent return returned move moved".split())


def locative(words: list[str], i: int) -> bool:
    """Is "there" at i a place ("What did they discuss there?") rather than the "there" of "there was",
    "Was there", "there were"? The existential one stands next to a form of "be"."""
    nxt = words[i + 1].lower() if i + 1 < len(words) else ""
    prev = words[i - 1].lower() if i else ""
    return nxt not in _BE and prev not in _BE and prev not in _MODAL


def pronoun_role(words: list[str], i: int) -> str | None:
    """How the pronoun at i is used: 'subject' (or object), 'possessive', 'determiner' ("this pact"), or
    None where the word is no pronoun ("he said that the West ...": a conjunction)."""
    lw = words[i].lower()
    nxt = words[i + 1] if i + 1 < len(words) else ""
    prev = words[i - 1].lower() if i else ""
    if lw in POSSESSIVE:
        return "possessive"
    if lw == "her":
        return "possessive" if nxt[:1].isalpha() and nxt.lower() not in FUNCTION_WORDS else "subject"
    if lw in DEMONSTRATIVE:
        if not nxt[:1].isalpha():
            return "subject" if lw != "that" or not prev or prev in BEFORE_PRONOUN_THAT else None
        if nxt.lower() in VERBS_AFTER_THAT:
            return "subject" if lw != "that" or not prev or prev in BEFORE_PRONOUN_THAT else None
        if nxt[:1].islower() and nxt.lower() not in FUNCTION_WORDS:
            return "determiner"
        return None
    return "subject"
