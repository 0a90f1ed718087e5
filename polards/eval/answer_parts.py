r"""The parts of a final answer that grading treats by convention: ``v =`` prefixes, units, ``\pm``, inequalities.

:func:`answer_parts` splits one answer into ``(variable, value, unit)``; :func:`unit_key` makes units comparable;
:func:`expand_pm` reads ``a \pm b`` as the two answers ``a + b`` and ``a - b``; :func:`inequality_to_interval`
turns ``x > 2`` into ``(2,\infty)``. The conventions themselves are documented in
:func:`polards.eval.grading.grade_answer`.

Every function here is linear in its input (the unit pattern only ever looks at the last 160 characters).

Examples
--------
>>> answer_parts(r"x = 18 \text{ eggs}")
('x', '18', 'eggs')
>>> unit_key("square inches") == unit_key(r"in^2")
True
>>> expand_pm(r"1 \pm \sqrt{19}")
['1 + \\sqrt{19}', '1 - \\sqrt{19}']
>>> inequality_to_interval(r"-1\le x<3")
'[-1,3)'
"""

from __future__ import annotations

import re

__all__ = ["answer_parts", "expand_pm", "inequality_to_interval", "is_infinity", "unit_key"]

# ------------------------------------------------------------------------------------------------ v = prefixes
_GREEK = (
    "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|sigma|"
    "tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Sigma|Phi|Psi|Omega"
)
_VAR = r"(?:[A-Za-z]|\\(?:" + _GREEK + r"))(?:_\{?[A-Za-z0-9]{1,3}\}?)?(?:'{1,2})?(?:\([A-Za-z]\))?"
_PREFIX_RE = re.compile(r"\s*(" + _VAR + r")\s*(?:=(?!=)|\\in(?![A-Za-z]))\s*")


def _prefix(s: str) -> tuple[str | None, str]:
    m = _PREFIX_RE.match(s)
    if m is None:
        return None, s
    rest = s[m.end() :]
    if not rest.strip() or re.search(r"(?<![<>!=\\])=(?!=)", rest):  # "x = y = 3": not a simple prefix
        return None, s
    return re.sub(r"[\s{}]", "", m.group(1)), rest


# ------------------------------------------------------------------------------------------------ units
_TEXT_UNIT = (
    r"\\(?:text|mbox|textrm|mathrm|textit|textup|rm|operatorname)\s*\{\s*([A-Za-z][A-Za-z .\-/]*?)\s*\}"
)
_WORDS_UNIT = r"(?<=\s)([A-Za-z][A-Za-z\-]*(?:\s+[A-Za-z][A-Za-z\-]*){0,3}(?:/[A-Za-z]+)?)"
_POW = r"(?:\s*\^\s*\{?\s*([23])\s*\}?)?"
_UNIT_RE = re.compile(r"(?:" + _TEXT_UNIT + r"|" + _WORDS_UNIT + r")" + _POW + r"\s*\.?\s*$")
_TAIL = 160
# words that are never units: scale words change the number, functions/constants are mathematics, and prose
# words would make "18 or more" equal "18"
_NOT_UNITS = frozenset(
    "or and to of is are be no not yes none all any each only than more less fewer at least most about "
    "approximately exactly thousand thousands million millions billion billions trillion trillions hundred "
    "hundreds dozen dozens half halves quarter quarters third thirds times sin cos tan cot sec csc sinh cosh "
    "tanh log ln exp sqrt pi inf infinity infty undefined true false if else where when for with without".split()
)
_SHORT_UNITS = frozenset(
    "cm mm km kg mg ml mL ft mi hr hrs lb lbs oz yd sq in min sec mph kph km/h m/s ft/s mi/h".split()
)
_ALIASES = {
    "cm": "centimeter",
    "centimetre": "centimeter",
    "mm": "millimeter",
    "millimetre": "millimeter",
    "km": "kilometer",
    "kilometre": "kilometer",
    "m": "meter",
    "metre": "meter",
    "in": "inch",
    "ft": "foot",
    "feet": "foot",
    "yd": "yard",
    "mi": "mile",
    "kg": "kilogram",
    "g": "gram",
    "mg": "milligram",
    "lb": "pound",
    "oz": "ounce",
    "l": "liter",
    "litre": "liter",
    "ml": "milliliter",
    "millilitre": "milliliter",
    "s": "second",
    "sec": "second",
    "min": "minute",
    "h": "hour",
    "hr": "hour",
    "deg": "degree",
    "mph": "mile/hour",
    "kph": "kilometer/hour",
}


def _singular(w: str) -> str:
    if len(w) <= 3:
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def unit_key(unit: str) -> str:
    """A canonical form of a unit: lower case, singular, common abbreviations spelt out, ``square x`` = ``x^2``.

    Examples
    --------
    >>> unit_key("Eggs"), unit_key("cm^2"), unit_key("square centimetres"), unit_key("km/h")
    ('egg', 'centimeter^2', 'centimeter^2', 'kilometer/hour')
    """
    u = unit.strip().lower().replace("{", "").replace("}", "").rstrip(".")
    power = ""
    m = re.search(r"\s*\^\s*([23])$", u)
    if m:
        power, u = "^" + m.group(1), u[: m.start()]
    words = u.replace("-", " ").split()
    if words and words[0] in ("sq", "square", "cubic"):
        power = "^2" if words[0] != "cubic" else "^3"
        words = words[1:]
    out = []
    for w in words:
        parts = [_ALIASES.get(p, _ALIASES.get(_singular(p), _singular(p))) for p in w.split("/")]
        out.append("/".join(parts))
    return " ".join(out) + power


def _is_unit(words: str, wrapped: bool) -> bool:
    ws = words.lower().replace("/", " ").replace("-", " ").split()
    if not ws or any(w in _NOT_UNITS for w in ws):
        return False
    # inside \text{...} any word is a unit (even "m"); a bare word needs three letters or a known abbreviation
    return wrapped or len(ws[0]) >= 3 or words.lower() in _SHORT_UNITS


def _split_unit(s: str) -> tuple[str, str | None]:
    head, tail = (s[:-_TAIL], s[-_TAIL:]) if len(s) > _TAIL else ("", s)
    m = _UNIT_RE.search(tail)
    if m is None:
        return s, None
    words = m.group(1) if m.group(1) is not None else m.group(2)
    wrapped = m.group(1) is not None
    value = (head + tail[: m.start()]).rstrip()
    value = re.sub(r"(?:\\[,;!: ]|~)+$", "", value).rstrip()
    # a unit follows a number: the value must hold a digit and end like a finished expression
    if not re.search(r"\d", value) or not re.search(r"[0-9})\]!%]$|\\[A-Za-z]+$", value):
        return s, None
    if not _is_unit(words, wrapped):
        return s, None
    unit = words + ("^" + m.group(3) if m.group(3) else "")
    return value, unit


def answer_parts(s: str) -> tuple[str | None, str, str | None]:
    r"""Split an answer into ``(variable of a "v =" or "v \in" prefix, value, trailing unit)``.

    A unit is a trailing ``\text{...}``-like group, or up to four trailing words (at least three letters, or
    a known abbreviation such as ``cm``), after a value that holds a digit; scale words (``million``),
    function names and prose words (``or``, ``more``) are never units.

    Examples
    --------
    >>> answer_parts("2000 calories"), answer_parts(r"5 \text{ cm}^2"), answer_parts("5 million")
    ((None, '2000', 'calories'), (None, '5', 'cm^2'), (None, '5 million', None))
    >>> answer_parts(r"y = 2x + 3"), answer_parts(r"2x - y + 3 = 0")
    (('y', '2x + 3', None), (None, '2x - y + 3 = 0', None))
    """
    var, rest = _prefix(s.strip())
    value, unit = _split_unit(rest.strip())
    return var, value, unit


# ------------------------------------------------------------------------------------------------ \pm
_PM_RE = re.compile(r"\\pm(?![A-Za-z])|±")
_MP_RE = re.compile(r"\\mp(?![A-Za-z])|∓")


def expand_pm(s: str) -> list[str] | None:
    r"""``a \pm b`` as its two answers ``[a + b, a - b]`` (every ``\pm`` takes the same sign, ``\mp`` the
    opposite one), or ``None`` when ``s`` has neither.

    Examples
    --------
    >>> expand_pm(r"\pm 3")
    ['+ 3', '- 3']
    >>> expand_pm("7") is None
    True
    """
    if not (_PM_RE.search(s) or _MP_RE.search(s)):
        return None
    plus = _MP_RE.sub("-", _PM_RE.sub("+", s))
    minus = _MP_RE.sub("+", _PM_RE.sub("-", s))
    return [plus, minus]


# ------------------------------------------------------------------------------------------------ infinity
_INF_RE = re.compile(r"([+-]?)\s*(?:\\infty|\\inf|\\infinity|∞|oo|infinity|inf)")


def is_infinity(s: str) -> int:
    r"""``1`` for ``\infty``/``+\infty``, ``-1`` for ``-\infty``, ``0`` for anything else.

    Examples
    --------
    >>> is_infinity(r"-\infty"), is_infinity("+∞"), is_infinity("10^{400}")
    (-1, 1, 0)
    """
    m = _INF_RE.fullmatch(s.strip())
    if m is None:
        return 0
    return -1 if m.group(1) == "-" else 1


# ------------------------------------------------------------------------------------------------ inequalities
_INEQ_TOKENS = (
    (re.compile(r"\\leqslant|\\leq|\\le(?![A-Za-z])|≤|<="), "≤"),
    (re.compile(r"\\geqslant|\\geq|\\ge(?![A-Za-z])|≥|>="), "≥"),
    (re.compile(r"\\lt(?![A-Za-z])"), "<"),
    (re.compile(r"\\gt(?![A-Za-z])"), ">"),
)
_OPS_RE = re.compile(r"[<>≤≥]")
_LONE_VAR_RE = re.compile(r"[A-Za-z]|\\(?:" + _GREEK + r")")


def _mentions(bound: str, var: str) -> bool:
    return re.search(r"(?<![A-Za-z\\])" + re.escape(var) + r"(?![A-Za-z])", bound) is not None


def inequality_to_interval(s: str) -> str | None:
    r"""``x > 2`` -> ``(2,\infty)``, ``-1 \le x < 3`` -> ``[-1,3)``; ``None`` unless ``s`` is one such inequality
    in one variable with bounds free of it.

    Examples
    --------
    >>> inequality_to_interval("x>2"), inequality_to_interval(r"3 \geq t"), inequality_to_interval("x<y")
    ('(2,\\infty)', '(-\\infty,3]', None)
    """
    if len(s) > 400:
        return None
    t = s
    for rx, rep in _INEQ_TOKENS:
        t = rx.sub(rep, t)
    ops = _OPS_RE.findall(t)
    if not ops or len(ops) > 2:
        return None
    parts = [p.strip() for p in _OPS_RE.split(t)]
    if any(not p for p in parts):
        return None
    if len(parts) == 2:
        (a, b), op = parts, ops[0]
        if _LONE_VAR_RE.fullmatch(a) and _LONE_VAR_RE.fullmatch(b):
            return None
        if _LONE_VAR_RE.fullmatch(b) and not _mentions(a, b):  # "2 < x": mirror it to "x > 2"
            op = {"<": ">", ">": "<", "≤": "≥", "≥": "≤"}[op]
            a, b = b, a
        elif not (_LONE_VAR_RE.fullmatch(a) and not _mentions(b, a)):
            return None
        if op in "<≤":
            return r"(-\infty," + b + (")" if op == "<" else "]")
        return ("(" if op == ">" else "[") + b + r",\infty)"
    lo, var, hi = parts
    if not _LONE_VAR_RE.fullmatch(var) or _mentions(lo, var) or _mentions(hi, var):
        return None
    if all(o in "<≤" for o in ops):
        return ("(" if ops[0] == "<" else "[") + lo + "," + hi + (")" if ops[1] == "<" else "]")
    if all(o in ">≥" for o in ops):
        return ("(" if ops[1] == ">" else "[") + hi + "," + lo + (")" if ops[0] == ">" else "]")
    return None
