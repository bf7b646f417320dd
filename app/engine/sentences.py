"""How a sentence stands to its neighbours: whether it leans on the sentence before it ('He', 'This',
'However', 'also'), and which sentences share its paragraph.

Both the ranker's features (features.py) and the composer (compose.py) read this, so it sits below both of
them: it needs only the library's sentences.
"""

from __future__ import annotations

import re

from .library import Library

DEPENDENT = re.compile(
    r"^[\"“'‘(]*(this|that|these|those|it|its|he|she|they|them|his|her|their|there|however|but|also|thus|"
    r"therefore|so|yet|as a result|in addition|furthermore|moreover|meanwhile|then|such|both|one(?! (could|can|may|might|would|should|must)\b)|another|"
    r"instead|nevertheless|consequently|hence|still)\b",
    re.IGNORECASE,
)


# "Hitler gained many of the same advantages", "Stalin also ...": a comparison early in the sentence
# points back to the sentence before it, though the sentence starts with a name.
COMPARING = re.compile(r"^(\S+\s+){1,4}(also|too|likewise|the same|similar)\b", re.IGNORECASE)


# "Historians have been arguing whether these were his intentions": a demonstrative early in the sentence
# points back as surely as one that opens it.
# "In conclusion this essay can only say ...": a writer naming their own piece of writing points at nothing
# before it.
POINTING = re.compile(r"^(\S+\s+){1,7}(this|these|those)\b(?!\s+(is|was)\s+(why|how|because))"
                       r"(?!\s+(essay|article|chapter|section)\b)", re.IGNORECASE)


CONNECTIVE = re.compile(r"^[\"“'‘(]*(however|but|also|thus|therefore|so|yet|as a result|in addition|furthermore|"
                         r"moreover|meanwhile|then|instead|nevertheless|consequently|hence|still),?\s+(?!(this|these|"
                         r"that|those|it|he|she|they|his|her|their)\b)", re.IGNORECASE)
PRONOUN = re.compile(r"^[\"“'‘(]*(he|she|his|her|him|they|their|them|it|its)\b", re.IGNORECASE)


def depends_on_previous(text: str) -> bool:
    """Does this sentence start with a pronoun or connective (or compare with something, or point back
    with 'this' / 'these', early on) that needs the sentence before it?"""
    text = text.strip()
    return bool(DEPENDENT.match(text) or COMPARING.match(text) or POINTING.match(text))


def next_in_paragraph(lib: Library, ix: int) -> int | None:
    """The sentence after this one in the same paragraph (same document, no line break between), so
    a quotation split across two passages still reads on."""
    s = lib.sentences[ix]
    if ix + 1 < len(lib.sentences) and lib.sentences[ix + 1].doc_id == s.doc_id \
            and "\n" not in lib.docs[s.doc_id].text[s.end : lib.sentences[ix + 1].start]:
        return ix + 1
    return None


def prev_in_paragraph(lib: Library, ix: int) -> int | None:
    return ix - 1 if ix > 0 and next_in_paragraph(lib, ix - 1) == ix else None
