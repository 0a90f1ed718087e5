r"""String normalisation of math answers and a small LaTeX -> sympy-syntax converter.

Three layers, used by :mod:`polards.eval.grading` from cheapest to dearest:

* :func:`strip_string` — the MATH benchmark's ``_strip_string`` (Hendrycks et al.), made total (it never raises).
* :func:`normalize_text` — PRM800K-style ``_normalize``: ``\text{}``/units/``%``/``$`` removed, "million" ->
  ``*10^6``, LaTeX symbols to plain text, spaces and braces removed, lower case.
* :func:`latex_to_sympy` — converts simple LaTeX (``\frac``, ``\sqrt``, ``\pi``, ``^``, ``\cdot``, ``\times``,
  ``\ln``, trig functions...) to text that ``sympy.parse_expr`` reads with implicit multiplication.
  ``sympy.parsing.latex`` needs a pinned ``antlr4`` runtime, so this module does not depend on it.

Examples
--------
>>> strip_string(r"\dfrac12")
'\\frac{1}{2}'
>>> strip_string(r"x = 0.5")
'\\frac{1}{2}'
>>> normalize_text(r"\text{5 million}")
'5*10^6'
>>> latex_to_sympy(r"2\sqrt{3}\pi^{2}")
'2sqrt(3)pi**(2)'
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = [
    "latex_to_sympy",
    "normalize_text",
    "parse_number",
    "split_top_level",
    "strip_string",
    "strip_units_and_text",
]


# --------------------------------------------------------------------------------------------- MATH _strip_string
def _fix_fracs(string: str) -> str:
    substrs = string.split("\\frac")
    new_str = substrs[0]
    for substr in substrs[1:]:
        new_str += "\\frac"
        if substr[:1] == "{" or len(substr) < 2:
            new_str += substr
            continue
        a, b = substr[0], substr[1]
        if b != "{":
            new_str += "{" + a + "}{" + b + "}" + substr[2:]
        else:
            new_str += "{" + a + "}" + b + substr[2:]
    return new_str


def _fix_a_slash_b(string: str) -> str:
    parts = string.split("/")
    if len(parts) != 2:
        return string
    try:
        a, b = int(parts[0]), int(parts[1])
    except ValueError:
        return string
    if string != f"{a}/{b}":
        return string
    return "\\frac{" + str(a) + "}{" + str(b) + "}"


def _remove_right_units(string: str) -> str:
    if "\\text{ " in string:
        return string.split("\\text{ ")[0]
    return string


def _fix_sqrt(string: str) -> str:
    if "\\sqrt" not in string:
        return string
    splits = string.split("\\sqrt")
    out = splits[0]
    for split in splits[1:]:
        if split[:1] not in ("{", "[", "") and split[0] != " ":
            out += "\\sqrt{" + split[0] + "}" + split[1:]
        else:
            out += "\\sqrt" + split
    return out


def _strip_enclosing_text(string: str) -> str:
    m = re.fullmatch(r"\s*\\(?:text|textbf|mathrm|mbox)\{(.*)\}\s*", string, flags=re.S)
    if m and _balanced(m.group(1)):
        return m.group(1)
    return string


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_GLUE_RE = re.compile(r"(\\(?!(?:d|t)?frac(?![A-Za-z])|sqrt(?![A-Za-z]))[A-Za-z]+)\s+(?=[A-Za-z])")
_SQRT_SPACE_RE = re.compile(r"\\sqrt\s+(\w)")


def _remove_spaces(string: str) -> str:
    r"""Remove spaces, except one after a command followed by a letter (``\cdot k`` must not become ``\cdotk``)."""
    string = _SQRT_SPACE_RE.sub(r"\\sqrt{\1}", string)
    string = _GLUE_RE.sub("\\1\x00", string)
    return string.replace(" ", "").replace("\x00", " ")


def strip_string(string: str, *, split_equation: bool = True) -> str:
    r"""MATH's ``_strip_string`` normalisation (never raises).

    Two deliberate differences: a space between a command and a letter is kept (MATH's ``\cdot k`` ->
    ``\cdotk`` glued the command to the variable), and ``split_equation=False`` keeps ``k = 3`` whole
    (MATH drops a left-hand side of at most two characters).

    Examples
    --------
    >>> strip_string(r"\left( 3, \frac{\pi}{2} \right)")
    '(3,\\frac{\\pi}{2})'
    >>> strip_string(r"10\%")
    '10'
    >>> strip_string(r"5 \text{ cm}")
    '5'
    >>> strip_string("3/4")
    '\\frac{3}{4}'
    >>> strip_string(r"2 \cdot k"), strip_string(r"\pi r^2")
    ('2\\cdot k', '\\pi r^2')
    """
    string = _strip_enclosing_text(str(string))
    string = string.replace("\n", "").replace("\\!", "")
    string = string.replace("\\\\", "\\")
    string = string.replace("tfrac", "frac").replace("dfrac", "frac")
    string = string.replace("\\left", "").replace("\\right", "")
    string = string.replace("^{\\circ}", "").replace("^\\circ", "")
    string = string.replace("\\$", "")
    string = _remove_right_units(string)
    string = string.replace("\\%", "").replace("%", "")
    string = string.replace(" .", " 0.").replace("{.", "{0.")
    if not string:
        return string
    if string[0] == ".":
        string = "0" + string
    parts = string.split("=")
    if split_equation and len(parts) == 2 and len(parts[0].strip()) <= 2:
        string = parts[1]
    string = _fix_sqrt(string)
    string = _remove_spaces(string)
    string = _fix_fracs(string)
    if string == "0.5":
        string = "\\frac{1}{2}"
    string = _fix_a_slash_b(string)
    return string


# --------------------------------------------------------------------------------------------- PRM800K _normalize
_UNIT_WORDS = (
    "degrees?|cm|centimeters?|meters?|mi|miles?|inch(?:es)?|ft|feet|foot|yards?|units?|sq|square|cubic|"
    "seconds?|minutes?|hours?|days?|weeks?|months?|years?|dollars?|cents?|km|kilometers?|kg|kilograms?|"
    "grams?|mm|pounds?|lbs?|ounces?|oz|mph|gallons?|liters?|ml|percent|points?|people|students?|"
    "apples?|ways?|times|sides?|boxes|marbles|coins|customers|pages"
)
_UNIT_TAIL_RE = re.compile(r"(?:\s*(?<![A-Za-z])(?:" + _UNIT_WORDS + r")\b\.?(?:\^\{?[23]\}?)?)+\s*$")
_TEXT_CMD_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_SCALE = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}


def _unwrap_text(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _TEXT_CMD_RE.sub(r"\1", s)
    return s


def strip_units_and_text(s: str) -> str:
    r"""Unwrap ``\text{...}``-like commands and drop trailing unit words (``5 cm^2`` -> ``5``).

    Examples
    --------
    >>> strip_units_and_text(r"12 \text{ inches}")
    '12'
    >>> strip_units_and_text(r"\mbox{Monday}")
    'Monday'
    """
    s = _unwrap_text(s)
    s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\circ", "").replace("°", "")
    stripped = _UNIT_TAIL_RE.sub("", s)
    # keep the text if it was *only* a unit word (e.g. the answer "m")
    return stripped.strip() if re.search(r"[0-9A-Za-z]", stripped) else s.strip()


def normalize_text(s: str, *, units: bool = True) -> str:
    r"""PRM800K-style normalisation to a plain, lower-case string without spaces or braces.

    Examples
    --------
    >>> normalize_text(r"\$1,000")
    '1000'
    >>> normalize_text(r"2 or 3")
    '2,3'
    >>> normalize_text(r"7 \frac{3}{4}")
    '7+3/4'
    >>> normalize_text(r"\sqrt{2} \times \pi")
    'sqrt(2)*pi'
    """
    s = str(s)
    s = strip_units_and_text(s) if units else _unwrap_text(s)
    s = s.replace("\\%", "").replace("%", "").replace("\\$", "").replace("$", "")
    s = re.sub(r"\s+(?:or|and)\s+", ",", s)
    for word, k in _SCALE.items():
        s = re.sub(r"\s*\b" + word + r"\b", f"*10^{k}", s)
    s = re.sub(r"(\d),(\d{3})(?![0-9])", r"\1\2", s)
    s = re.sub(r"(\d),(\d{3})(?![0-9])", r"\1\2", s)
    s = re.sub(r"^\{(.*)\}$", r"\1", s.strip())
    s = re.sub(r"(\d+)\.0+(?![0-9])", r"\1", s)
    # mixed numbers "7 3/4" and "7 \frac{3}{4}"
    s = re.sub(r"^(-?\d+)\s+(\d+/\d+)$", r"\1+\2", s)
    s = re.sub(r"^(-?\d+)\s*\\[dt]?frac\{(\d+)\}\{(\d+)\}$", r"\1+\2/\3", s)
    s = s.replace("\\left", "").replace("\\right", "").replace("\\!", "").replace("\\,", "")
    s = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", s)
    s = re.sub(r"\\sqrt(\w)", r"sqrt(\1)", s)
    s = s.replace("\\pi", "pi").replace("\\infty", "inf").replace("\\times", "*").replace("\\cdot", "*")
    s = s.replace("π", "pi").replace("√", "sqrt").replace("∞", "inf").replace("×", "*")
    s = re.sub(r"\(([0-9a-z.]+)\)/\(([0-9a-z.]+)\)", r"\1/\2", s)
    s = re.sub(r"\s+", "", s).replace("{", "").replace("}", "").lower()
    return s


# --------------------------------------------------------------------------------------------- numbers
_NUM_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FRAC_RE = re.compile(r"([+-]?)\\frac\{([+-]?[0-9.]+)\}\{([+-]?[0-9.]+)\}")
_SCI_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:\\times|\\cdot|\*|x)10\^\{?([+-]?\d{1,3})\}?")


def parse_number(s: str) -> Fraction | None:
    r"""Parse a plain numeric answer exactly (ints, decimals, ``\frac{a}{b}``, ``a/b``, ``1,000``, ``2\times10^{3}``).

    Returns ``None`` when the text is not a single number. Percent signs and ``$`` must already be removed.

    Examples
    --------
    >>> parse_number(r"-\frac{3}{4}")
    Fraction(-3, 4)
    >>> parse_number("1,234.5")
    Fraction(2469, 2)
    >>> parse_number("x") is None
    True
    """
    s = s.strip().replace(" ", "").replace("{,}", "")
    if not s or len(s) > 60:
        return None
    if re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    try:
        if _NUM_RE.fullmatch(s):
            return Fraction(s)
        m = _FRAC_RE.fullmatch(s)
        if m:
            den = Fraction(m.group(3))
            if den == 0:
                return None
            v = Fraction(m.group(2)) / den
            return -v if m.group(1) == "-" else v
        m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)/([+-]?\d+(?:\.\d+)?)", s)
        if m:
            den = Fraction(m.group(2))
            return None if den == 0 else Fraction(m.group(1)) / den
        m = re.fullmatch(r"([+-]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}", s)  # mixed number 3\frac{1}{2}
        if m and int(m.group(4)) != 0:
            v = int(m.group(2)) + Fraction(int(m.group(3)), int(m.group(4)))
            return -v if m.group(1) == "-" else v
        m = _SCI_RE.fullmatch(s)
        if m:
            return Fraction(m.group(1)) * Fraction(10) ** int(m.group(2))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


# --------------------------------------------------------------------------------------------- structure
_OPEN = {"(": ")", "[": "]", "{": "}"}


def split_top_level(s: str, sep: str = ",") -> list[str]:
    r"""Split on ``sep`` outside any (), [], {} nesting.

    Examples
    --------
    >>> split_top_level(r"(1,2),\frac{1}{2},[3,4]")
    ['(1,2)', '\\frac{1}{2}', '[3,4]']
    """
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


# --------------------------------------------------------------------------------------------- LaTeX -> sympy
_FUNCS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "ln", "log", "exp",
}  # fmt: skip
_SYMBOLS = {
    "pi": "pi", "infty": "oo", "infinity": "oo", "cdot": "*", "times": "*", "div": "/", "ast": "*",
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "theta": "theta", "lambda": "lamda",
    "mu": "mu", "phi": "phi", "omega": "omega", "sigma": "sigma", "tau": "tau", "delta": "delta",
    "epsilon": "epsilon", "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "neq": "!=", "ne": "!=",
    "lt": "<", "gt": ">", "circ": "", "quad": "", "qquad": "", "displaystyle": "",
}  # fmt: skip
_DROP = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "mathrm",
    "text",
    "textbf",
    "mathbf",
    "mbox",
    "operatorname",
}
_CMD_RE = re.compile(r"\\([A-Za-z]+)")


class _LatexError(ValueError):
    pass


def _group(s: str, i: int) -> tuple[str, int]:
    """Read one argument at ``s[i]``: a ``{...}`` group or a single character/command."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise _LatexError("missing argument")
    if s[i] == "{":
        depth = 0
        for j in range(i, len(s)):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1 : j], j + 1
        raise _LatexError("unbalanced braces")
    if s[i] == "\\":
        m = _CMD_RE.match(s, i)
        if m:
            return m.group(0), m.end()
    return s[i], i + 1


def _conv(s: str, depth: int = 0) -> str:
    if depth > 50:
        raise _LatexError("nesting too deep")
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch == "\\":
            m = _CMD_RE.match(s, i)
            if not m:
                # "\," "\;" "\ " "\{" "\}" "\!"
                nxt = s[i + 1 : i + 2]
                out.append({"{": "(", "}": ")"}.get(nxt, " "))
                i += 2
                continue
            name = m.group(1)
            i = m.end()
            if name in ("frac", "dfrac", "tfrac", "cfrac"):
                a, i = _group(s, i)
                b, i = _group(s, i)
                out.append(f"(({_conv(a, depth + 1)})/({_conv(b, depth + 1)}))")
            elif name == "sqrt":
                root = None
                if i < n and s[i] == "[":
                    j = s.find("]", i)
                    if j < 0:
                        raise _LatexError("unclosed sqrt index")
                    root, i = s[i + 1 : j], j + 1
                a, i = _group(s, i)
                inner = _conv(a, depth + 1)
                out.append(f"(({inner})**(1/({_conv(root, depth + 1)})))" if root else f"sqrt({inner})")
            elif name in _FUNCS:
                fn = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan"}.get(name, name)
                out.append(" " + fn)
            elif name in _SYMBOLS:
                out.append(" " + _SYMBOLS[name] + " ")
            elif name in _DROP:
                pass
            else:
                raise _LatexError(f"unsupported command \\{name}")
        elif ch == "^":
            a, i = _group(s, i + 1)
            out.append(f"**({_conv(a, depth + 1)})")
        elif ch == "_":
            a, i = _group(s, i + 1)
            out.append("_" + re.sub(r"\W", "", a))
        elif ch == "{":
            a, i = _group(s, i)
            out.append(f"({_conv(a, depth + 1)})")
        elif ch in "}&$":
            raise _LatexError(f"unexpected {ch!r}")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def latex_to_sympy(s: str) -> str | None:
    r"""Convert simple LaTeX to ``sympy.parse_expr`` syntax, or ``None`` when it uses unsupported commands.

    Examples
    --------
    >>> latex_to_sympy(r"\frac{\sqrt[3]{x}}{2}")
    '((((x)**(1/(3))))/(2))'
    >>> latex_to_sympy(r"\begin{cases}1\end{cases}") is None
    True
    """
    s = s.replace("\\left", "").replace("\\right", "").strip()
    try:
        out = _conv(s)
    except (_LatexError, RecursionError):
        return None
    out = re.sub(r"\s+", " ", out).strip()
    return re.sub(r" ?(\*\*|[()*/+\-<>=!]) ?", r"\1", out)
