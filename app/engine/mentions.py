"""Mentions: what a text names (people, groups, countries, events) and what kind of thing each is.

Used to resolve follow-up questions (conversation.py): "he" needs the person a question named, "it"
the pact or conference. There is no tagger or language model here, so this reads capitalised names and
a short list of nouns for events, with the word before a name as a hint ("at Yalta" is an event, "the
German foreign minister" no German). The word lists are general English and history vocabulary, not
knowledge of one corpus. This module only reads text; it does not decide what a pronoun refers to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERSON, GROUP, COUNTRY, THING = "person", "group", "country", "thing"

# Nouns that name an event, an agreement, a policy or an organisation: "the pact", "Litvinov's dismissal",
# "collective security", "the Munich Conference". General history vocabulary, not one corpus's.
EVENT_NOUNS = frozenset("""
    pact pacts treaty treaties agreement agreements alliance accord accords conference conferences summit
    meeting meetings war wars battle invasion attack occupation annexation revolution crisis policy policies
    security appeasement dismissal removal appointment resignation election elections speech declaration plan
    plans deal talks negotiations front controversy purge purges offer guarantee campaign operation partition
    blockade recognition intervention collapse defeat victory signing trial trials famine collectivisation
    collectivization industrialisation industrialization league comintern letter telegram protocol doctrine
    strategy coexistence co-existence isolation expansion aggression rearmament disarmament settlement
    government party army council congress aim aims goal goals motive motives
""".split())

# Event nouns that may name the same thing: "this attack" is Operation Barbarossa, "the deal" the pact.
SYNONYMS = [
    {"pact", "pacts", "treaty", "treaties", "agreement", "agreements", "accord", "accords", "deal", "alliance",
     "protocol", "settlement"},
    {"conference", "conferences", "summit", "meeting", "meetings", "talks", "negotiations"},
    {"war", "wars", "battle", "invasion", "attack", "operation", "campaign", "occupation", "annexation"},
    {"policy", "policies", "strategy", "doctrine", "plan", "plans"},
    {"dismissal", "removal", "resignation"},
    {"aim", "aims", "goal", "goals", "motive", "motives"},
]


def same_kind(noun: str) -> str:
    """A name for the event nouns that may refer to the same thing as this one."""
    return next((min(group) for group in SYNONYMS if noun in group), noun)


# Countries and peoples, as names a question uses for them. English words, not this corpus's.
COUNTRIES = frozenset("""
    afghanistan albania america argentina australia austria belgium brazil britain bulgaria canada china
    czechoslovakia denmark egypt england estonia finland france germany greece holland hungary india iran
    iraq ireland italy japan korea latvia lithuania manchuria mexico mongolia netherlands norway persia poland
    portugal romania rumania russia scotland spain sweden switzerland turkey ukraine usa us uk ussr vietnam
    yugoslavia wales prussia bessarabia byelorussia belarus georgia armenia
    moscow berlin london paris rome tokyo washington warsaw prague vienna beijing peking
""".split())  # capitals stand for their governments: "Moscow's deal with Berlin"
GROUP_WORDS = frozenset("""
    allies axis bolsheviks communists fascists nazis soviets germans russians americans british french
    italians japanese poles czechs chinese finns europeans westerners capitalists historians republicans
    democrats conservatives mensheviks trotskyists powers nations states leaders people
""".split())
# Names used as adjectives: "the German foreign minister", "Soviet interests" name no one.
ADJECTIVES = frozenset("""
    soviet german british french russian american japanese italian polish czech nazi western eastern
    communist bolshevik fascist allied red capitalist european chinese finnish spanish english
""".split())
# Nouns a name or nationality often qualifies: "the German foreign minister", "Soviet interests".
MODIFIED_NOUNS = frozenset("""
    foreign government army military troops forces people leaders leader delegation ambassador minister
    interests territory territories empire economy industry navy border borders frontier ideology state
""".split())
TITLES = frozenset("president prime minister premier chancellor general marshal king queen tsar czar "
                   "emperor commissar ambassador foreign secretary mr mrs sir lord dr".split())
MONTHS = frozenset("january february march april may june july august september october november december "
                   "monday tuesday wednesday thursday friday saturday sunday".split())
# Words that may open a sentence capitalised without being a name.
FUNCTION_WORDS = frozenset("""
    a an the and or but if so as at by for from in into of on onto to with without about above after again
    against all also although am any are be because been before being below between both can could did do
    does during each either even every few finally first had has have he her here his how however i is it
    its just last many may meanwhile might more most much must my neither no nor not now once one only other
    our over overall own same second several she should since some such than that their them then there
    therefore these they this those though thus through too under unlike until up very was we were what
    when where whereas whether which while who whom whose why will with would yet you instead indeed later
    next still ultimately nevertheless moreover furthermore hence according historians
""".split()) | MONTHS
AUXILIARIES = frozenset("did does do was were is are had has have could would should might can will must".split())

# The possessives an event may be named with ("his speech"), and whose they may be.
OWNERS = {"his": (PERSON,), "her": (PERSON, COUNTRY), "their": (GROUP, COUNTRY), "its": (THING, COUNTRY)}

_TOKEN = re.compile(r"[A-Za-z]+(?:\.[A-Za-z]+)*(?:['’-][A-Za-z]+)*|\d+|[^\sA-Za-z\d]")


@dataclass
class Mention:
    """Something a text names: its words as written (with 'the' where it had one), what kind of thing
    it is, and where it starts (a token index in the text)."""

    text: str
    kind: str
    at: int
    head: str = ""  # the event noun among its words ("pact"), for "this pact"


def tokenize(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _TOKEN.finditer(text.replace("’", "'"))]


def is_name(word: str, first: bool) -> bool:
    """A capitalised word that names something (not a sentence's capitalised first word, a month or a
    question word)."""
    if not word[:1].isupper():
        return False
    bare = word.lower().removesuffix("'s").rstrip(".")
    if bare in MONTHS or len(bare) < 2 and not word.isupper():
        return False
    if first and (bare in FUNCTION_WORDS or bare.endswith(("ed", "ing", "ly"))):
        return False
    return bare not in FUNCTION_WORDS or word.isupper()


def kind_of(words: list[str], preceding: str) -> str:
    """A name's kind from its own words and the word before it."""
    lower = [w.lower().removesuffix("'s").rstrip(".") for w in words]
    if " ".join(lower) in {"soviet union", "united states", "great britain", "united kingdom"}:
        return COUNTRY
    if any(w in EVENT_NOUNS for w in lower):
        return THING
    if lower[0] in TITLES:
        return PERSON
    if len(lower) == 1 and lower[0] in COUNTRIES:
        return COUNTRY
    if lower[-1] in GROUP_WORDS or lower[-1] in ADJECTIVES or lower[-1].endswith(("ans", "ists", "ets", "ites")) or \
            lower[-1] in {"soviets", "nazis", "bolsheviks", "allies", "british", "french", "dutch"}:
        return GROUP
    if lower[-1].endswith(("land", "stan")) or (lower[-1].endswith("ia") and len(lower[-1]) > 4):
        return COUNTRY
    if preceding in {"at", "in", "after", "before", "since", "until", "during", "over", "from"}:
        return THING  # "at Yalta", "after Munich": a place standing for what happened there
    return PERSON


def mentions(text: str) -> list[Mention]:
    """The names, groups and events a text mentions, in order. A possessive name followed by an event
    noun is both a person and an event ("Litvinov's dismissal"); two names joined by "and" are also a
    group ("Hitler and Stalin", "Britain and France")."""
    tokens = [t for _, t in tokenize(text)]
    out: list[Mention] = []
    i = 0
    in_list = 0  # names before this token index belong to a list already grouped whole
    while i < len(tokens):
        first = i == 0 or tokens[i - 1] in {'"', "“", "(", "–", "-", ":", ";"}
        if not is_name(tokens[i], first):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            if tokens[j - 1].lower() in COUNTRIES or tokens[j - 1].endswith("'s"):
                break  # "Great Britain Hitler ...", "Stalin's Russia": two names
            if is_name(tokens[j], False):
                j += 1
            elif tokens[j].lower() == "of" and j + 1 < len(tokens) and is_name(tokens[j + 1], False) and \
                    tokens[j + 1].lower() not in COUNTRIES | GROUP_WORDS:
                j += 2  # "League of Nations", "Treaty of Rapallo"; not "Commissar of Britain"
            else:
                break
        name = tokens[i:j]
        preceding = tokens[i - 1].lower() if i else ""
        article = preceding == "the"
        start = i - 1 if article else i
        possessive = name[-1].endswith("'s")
        kind = kind_of(name, tokens[i - 2].lower() if article and i > 1 else preceding)
        bare = [*name[:-1], name[-1].removesuffix("'s")] if possessive else name
        head = next((w.lower() for w in reversed(bare) if w.lower() in EVENT_NOUNS), "") if kind == THING else ""
        follows = j < len(tokens) and tokens[j][:1].islower() and tokens[j].lower() not in FUNCTION_WORDS
        # an event noun after the name: "the Rapallo treaty", "Soviet foreign policy", "Litvinov's dismissal";
        # not "Hitler attack" (a verb)
        event = None
        k = j
        while follows and k < len(tokens) and k - j < 3 and tokens[k][:1].islower() \
                and tokens[k].lower() not in FUNCTION_WORDS:
            if tokens[k].lower() in EVENT_NOUNS and (article or possessive or k > j or bare[-1].lower() in ADJECTIVES):
                words = (["the"] if article else []) + name + tokens[j:k + 1]
                event = Mention(" ".join(words), THING, start, tokens[k].lower())
                break
            k += 1
        # a name used as an adjective names nothing itself: "the Rapallo treaty", "the German foreign minister"
        modifier = not possessive and follows and (event is not None or tokens[j].lower() in MODIFIED_NOUNS)
        if not modifier:
            out.append(Mention(" ".join((["the"] if article else []) + bare), kind, start, head))
        if event:
            out.append(event)
        # "Roosevelt, Churchill and Stalin": the whole list is the group, not its last two
        listed = _listed(tokens, j, kind) if kind != THING and i >= in_list else None
        if listed is not None:
            end, items = listed
            group = (["the"] if article else []) + [", ".join([" ".join(bare), *items[:-1]]), "and", items[-1]]
            out.append(Mention(" ".join(group), GROUP, start))
            in_list = end
        # "Hitler and Stalin", "Britain and France": a group
        if i >= in_list and j + 1 < len(tokens) and tokens[j].lower() == "and" and is_name(tokens[j + 1], False):
            m = j + 2
            while m < len(tokens) and is_name(tokens[m], False):
                m += 1
            second = [w.removesuffix("'s") for w in tokens[j + 1:m]]
            if kind_of(second, "and") in (kind, PERSON, COUNTRY) and kind != THING:
                both = (["the"] if article else []) + bare + ["and"] + second
                out.append(Mention(" ".join(both), GROUP, start))
        i = j
    # events named without a capital: "the pact", "the second front controversy", "collective security"
    for i, t in enumerate(tokens):
        if t.lower() not in EVENT_NOUNS or (i and is_name(tokens[i - 1], False)) or not t[:1].islower():
            continue
        k = i
        while k > 0 and i - k < 3 and tokens[k - 1][:1].islower() and tokens[k - 1].lower() not in FUNCTION_WORDS \
                and tokens[k - 1].lower() not in AUXILIARIES and not tokens[k - 1].lower().endswith("ed"):
            k -= 1
        owner = None
        if k > 0 and tokens[k - 1].lower() in OWNERS:
            # "his speech" after "Molotov": Molotov's speech; with no owner in the text it names nothing
            kinds = OWNERS[tokens[k - 1].lower()]
            owner = next((m for m in out if m.at < k - 1 and m.kind in kinds), None)  # the subject, as a rule
            if owner is None:
                continue
            k -= 1
        elif k > 0 and tokens[k - 1].lower() == "the":
            k -= 1
        elif k == i:
            continue  # a bare noun ("war", "policy") names nothing in particular
        if any(m.at <= k < m.at + len(tokenize(m.text)) for m in out):
            continue
        words = tokens[k:i + 1]
        if owner is not None:
            words = [owner.text + ("'" if owner.text.endswith("s") else "'s"), *words[1:]]
        out.append(Mention(" ".join(words), THING, k, t.lower()))
    out.sort(key=lambda m: (m.at, -len(m.text)))  # at one place, the longest first: "Britain and France"
    return out


def _listed(tokens: list[str], j: int, kind: str) -> tuple[int, list[str]] | None:
    """The names after a name that ends at j, when they make a list with it: ", B, C and D" (or ", and
    D"). Returns (the index after the list, [B, C, D]); None if there is no such list of two or more
    names of a kind that can be grouped with the first."""
    items: list[str] = []

    def name_at(k: int) -> int:
        """The end of the name starting at k ("the" allowed before it), or k if none starts there."""
        m = k + 1 if k < len(tokens) and tokens[k].lower() == "the" else k
        e = m
        while e < len(tokens) and is_name(tokens[e], False):
            e += 1
        return e if e > m else k

    k = j
    while k + 1 < len(tokens) and tokens[k] == "," and (e := name_at(k + 1)) > k + 1:
        items.append(" ".join(tokens[k + 1:e]))
        k = e
    if not items:
        return None
    if k < len(tokens) and tokens[k] == ",":
        k += 1  # the serial comma: "A, B, and C"
    if not (k < len(tokens) and tokens[k].lower() == "and" and (e := name_at(k + 1)) > k + 1):
        return None
    items.append(" ".join(tokens[k + 1:e]))
    kinds = {kind_of([w.removesuffix("'s") for w in item.split() if w.lower() != "the"], ",") for item in items}
    if THING in kinds or not kinds <= {kind, PERSON, COUNTRY, GROUP}:
        return None
    return e, [it.removesuffix("'s") for it in items]


def compatible(kind: str, wanted: str) -> bool:
    return kind == wanted or {kind, wanted} <= {GROUP, COUNTRY}


def lower_article(text: str) -> str:
    """'The Munich Conference' -> 'the Munich Conference' inside a sentence; names keep their capitals."""
    first, _, rest = text.partition(" ")
    if first.lower() in FUNCTION_WORDS and not first.isupper():
        return first.lower() + (" " + rest if rest else "")
    return text
