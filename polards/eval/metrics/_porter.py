"""The Porter stemmer exactly as ``nltk.stem.porter.PorterStemmer()`` (mode ``NLTK_EXTENSIONS``).

``rouge-score`` stems with NLTK's default Porter mode; this is an independent, compact re-implementation of that
mode (Porter 1980 plus Martin Porter's and NLTK's published extensions) so polards needs no nltk at run time.
Agreement with nltk is checked in the tests.

Examples
--------
>>> [stem(w) for w in ["caresses", "ponies", "relational", "hopping", "generously", "dying"]]
['caress', 'poni', 'relat', 'hop', 'gener', 'die']
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["stem"]

_VOWELS = frozenset("aeiou")
_IRREGULAR = {
    "skies": "sky", "sky": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
    "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing", "cannings": "canning",
    "canning": "canning", "howe": "howe", "proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}  # fmt: skip


def _cons_flags(word: str) -> list[bool]:
    flags: list[bool] = []
    for i, ch in enumerate(word):
        if ch in _VOWELS:
            flags.append(False)
        elif ch == "y":
            flags.append(True if i == 0 else not flags[i - 1])
        else:
            flags.append(True)
    return flags


def _is_cons(word: str, i: int) -> bool:
    return _cons_flags(word[: i + 1])[i]


def _measure(stem: str) -> int:
    return "".join("c" if c else "v" for c in _cons_flags(stem)).count("vc")


def _has_vowel(stem: str) -> bool:
    return not all(_cons_flags(stem))


def _ends_double_cons(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _is_cons(word, len(word) - 1)


def _ends_cvc(word: str) -> bool:
    if len(word) >= 3:
        f = _cons_flags(word)
        if f[-3] and not f[-2] and f[-1] and word[-1] not in "wxy":
            return True
    if len(word) == 2:
        f = _cons_flags(word)
        return not f[0] and f[1]
    return False


def _apply(word: str, rules: list) -> str:
    for suffix, repl, cond in rules:
        if suffix == "*d" and _ends_double_cons(word):
            st = word[:-2]
            return st + repl if cond is None or cond(st) else word
        if word.endswith(suffix):
            st = word[: len(word) - len(suffix)] if suffix else word
            return st + repl if cond is None or cond(st) else word
    return word


def _m_pos(st: str) -> bool:
    return _measure(st) > 0


def _m_gt1(st: str) -> bool:
    return _measure(st) > 1


def _step1a(w: str) -> str:
    if w.endswith("ies") and len(w) == 4:
        return w[:-3] + "ie"
    return _apply(w, [("sses", "ss", None), ("ies", "i", None), ("ss", "ss", None), ("s", "", None)])


def _step1b(w: str) -> str:
    if w.endswith("ied"):
        return w[:-3] + ("ie" if len(w) == 4 else "i")
    if w.endswith("eed"):
        st = w[:-3]
        return st + "ee" if _measure(st) > 0 else w
    inter = None
    for suffix in ("ed", "ing"):
        if w.endswith(suffix):
            cand = w[: -len(suffix)]
            if _has_vowel(cand):
                inter = cand
                break
    if inter is None:
        return w
    return _apply(
        inter,
        [
            ("at", "ate", None),
            ("bl", "ble", None),
            ("iz", "ize", None),
            ("*d", inter[-1], lambda st: inter[-1] not in ("l", "s", "z")),
            ("", "e", lambda st: _measure(st) == 1 and _ends_cvc(st)),
        ],
    )


def _step1c(w: str) -> str:
    return _apply(w, [("y", "i", lambda st: len(st) > 1 and _is_cons(st, len(st) - 1))])


_STEP2 = [
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("bli", "ble"),
    ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
    ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"),
    ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"), ("fulli", "ful"),
]  # fmt: skip


def _step2(w: str) -> str:
    if w.endswith("alli") and _m_pos(w[:-4]):
        return _step2(w[:-4] + "al")
    rules = [(s, r, _m_pos) for s, r in _STEP2]
    rules.append(("logi", "log", lambda st: _m_pos(w[:-3])))
    return _apply(w, rules)


def _step3(w: str) -> str:
    rules = [
        ("icate", "ic"),
        ("ative", ""),
        ("alize", "al"),
        ("iciti", "ic"),
        ("ical", "ic"),
        ("ful", ""),
        ("ness", ""),
    ]
    return _apply(w, [(s, r, _m_pos) for s, r in rules])


_STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
          "iti", "ous", "ive", "ize"]  # fmt: skip


def _step4(w: str) -> str:
    rules = [
        (s, "", (lambda st: _measure(st) > 1 and st[-1] in ("s", "t")) if s == "ion" else _m_gt1)
        for s in _STEP4
    ]
    return _apply(w, rules)


def _step5a(w: str) -> str:
    if w.endswith("e"):
        st = w[:-1]
        m = _measure(st)
        if m > 1 or (m == 1 and not _ends_cvc(st)):
            return st
    return w


def _step5b(w: str) -> str:
    return _apply(w, [("ll", "l", lambda st: _measure(w[:-1]) > 1)])


@lru_cache(maxsize=2**18)
def stem(word: str) -> str:
    """Stem one word like ``nltk.stem.porter.PorterStemmer().stem(word)``."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(word) <= 2:
        return w
    for step in (_step1a, _step1b, _step1c, _step2, _step3, _step4, _step5a, _step5b):
        w = step(w)
    return w
