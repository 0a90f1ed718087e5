"""Math mappers -> ``math_problem`` (``problem``, ``answer`` + the source columns).

- GSM8K: gold = text after ``####`` on the last line starting with it (a leading ``:`` and commas removed),
  else the last ``####\\s*(.+)`` match; the source ``answer`` becomes ``solution``.
- MATH / MATH-500: gold = the last ``\\boxed{...}`` of ``solution`` (nested braces; the recipe's stack
  scanner, so an unmatched ``}`` means no answer), else ``\\boxed 2`` style; MATH-500's own ``answer``
  becomes ``reference_answer``.
- DeepMath: ``question``/``final_answer``; Polaris: ``problem``/``answer``.

Rows with no gold answer (or an empty problem/answer for DeepMath and Polaris) are dropped, as the recipes
skip them; pass ``drop_unparsed=False`` to keep them with a null ``answer``.

>>> import polars as pl
>>> lf = pl.LazyFrame({"question": ["2+2?"], "answer": ["2+2=<<2+2=4>>4\\n#### 4"]})
>>> gsm8k()(lf).collect().row(0, named=True)
{'problem': '2+2?', 'answer': '4', 'solution': '2+2=<<2+2=4>>4\\n#### 4'}
"""

from __future__ import annotations

import re

import polars as pl

from polards.mappers._base import Mapper, mapper_factory, require_columns

__all__ = [
    "boxed_answer",
    "decontaminate",
    "decontaminated",
    "deepmath",
    "gsm8k",
    "gsm8k_answer",
    "last_boxed",
    "math_boxed",
    "polaris",
]

_BRACES = re.compile(r"[{}]")
_BOXED_BARE = re.compile(r"\\boxed\s+([a-zA-Z0-9]+)")


def last_boxed(text: str | None) -> str | None:
    """Content of the last-closed ``\\boxed{...}`` of ``text`` (nested braces kept), the recipe's rule.

    Braces are matched with a stack over the whole text; an unmatched ``}`` gives ``None``. Without a braced
    box, ``\\boxed 2`` style answers (letters/digits) are accepted. ``None`` when there is no box.

    >>> last_boxed(r"so \\boxed{\\frac{1}{2}} and \\boxed{3}")
    '3'
    >>> last_boxed(r"\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}")
    '\\\\left( 3, \\\\frac{\\\\pi}{2} \\\\right)'
    >>> last_boxed("no box") is None
    True
    """
    if text is None or "\\boxed" not in text:
        return None
    stack: list[int] = []
    found: str | None = None
    for m in _BRACES.finditer(text):
        i = m.start()
        if text[i] == "{":
            stack.append(i)
        elif not stack:
            return None
        else:
            opened = stack.pop()
            if text.endswith("\\boxed", 0, opened):
                found = text[opened + 1 : i]
    if found is not None:
        return found
    bare = _BOXED_BARE.search(text)
    return bare.group(1) if bare else None


def _boxed_batch(s: pl.Series) -> pl.Series:
    # Batch-level scanner: nested braces cannot be matched by a (non-recursive) regex expression.
    return pl.Series(s.name, [last_boxed(t) for t in s.to_list()], dtype=pl.String)


def boxed_answer(expr: pl.Expr | str) -> pl.Expr:
    """Expression: the last ``\\boxed{}`` content of a string column (see :func:`last_boxed`).

    >>> pl.DataFrame({"s": [r"\\boxed{a{b}}", "x"]}).select(boxed_answer("s"))["s"].to_list()
    ['a{b}', None]
    """
    e = pl.col(expr) if isinstance(expr, str) else expr
    return e.map_batches(_boxed_batch, return_dtype=pl.String, is_elementwise=True)


def gsm8k_answer(expr: pl.Expr | str) -> pl.Expr:
    """Expression: the GSM8K gold answer of a solution text (the recipe's ``extract_gsm8k_final_answer``).

    >>> pl.DataFrame({"a": ["x\\n#### 1,234", "#### : 5", "a #### 7 b"]}).select(gsm8k_answer("a"))["a"].to_list()
    ['1234', '5', '7 b']
    """
    e = pl.col(expr) if isinstance(expr, str) else expr
    lines = (
        e.str.replace_all("\r\n", "\n", literal=True)
        .str.replace_all("\r", "\n", literal=True)
        .str.split("\n")
    )
    stripped = pl.element().str.strip_chars()
    marked = lines.list.eval(stripped.filter(stripped.str.starts_with("####"))).list.last()
    content = marked.str.slice(4).str.strip_chars()
    content = (
        pl.when(content.str.starts_with(":")).then(content.str.slice(1).str.strip_chars()).otherwise(content)
    )
    content = content.str.replace_all(",", "", literal=True).str.strip_chars()
    fallback = e.str.extract_all(r"####\s*.+").list.last().str.replace(r"^####\s*", "").str.strip_chars()
    return pl.coalesce(content, fallback)


def _finish(
    lf: pl.LazyFrame, front: list[str], drop_unparsed: bool, *, nonempty: bool = False
) -> pl.LazyFrame:
    if drop_unparsed:
        keep = pl.col("answer").is_not_null()
        if nonempty:
            keep = (
                keep & pl.col("problem").is_not_null() & (pl.col("problem") != "") & (pl.col("answer") != "")
            )
        lf = lf.filter(keep)
    rest = [c for c in lf.collect_schema() if c not in front]
    return lf.select(*front, *rest)


@mapper_factory
def gsm8k(*, drop_unparsed: bool = True) -> Mapper:
    """``openai/gsm8k`` rows -> ``problem`` (question), ``answer`` (gold after ``####``), ``solution``."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["question", "answer"], "gsm8k")
        out = lf.rename({"question": "problem", "answer": "solution"}).with_columns(
            gsm8k_answer("solution").alias("answer")
        )
        return _finish(out, ["problem", "answer"], drop_unparsed)

    return Mapper("gsm8k", run, output="math_problem")


@mapper_factory
def math_boxed(*, drop_unparsed: bool = True) -> Mapper:
    """MATH / MATH-500 rows -> ``problem``, ``answer`` = last ``\\boxed{}`` of ``solution``.

    An existing ``answer`` column (MATH-500) is kept as ``reference_answer``.

    >>> lf = pl.LazyFrame({"problem": ["p"], "solution": [r"so $\\boxed{\\dfrac{1}{2}}$"], "answer": ["1/2"]})
    >>> math_boxed()(lf).collect().row(0, named=True)
    {'problem': 'p', 'answer': '\\\\dfrac{1}{2}', 'solution': 'so $\\\\boxed{\\\\dfrac{1}{2}}$', 'reference_answer': '1/2'}
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, ["problem", "solution"], "math_boxed")
        if "answer" in schema:
            lf = lf.rename({"answer": "reference_answer"})
        out = lf.with_columns(boxed_answer("solution").alias("answer"))
        return _finish(out, ["problem", "answer"], drop_unparsed)

    return Mapper("math_boxed", run, output="math_problem")


def _renamer(name: str, problem: str, answer: str):  # noqa: ANN202 - returns a Mapper
    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, [problem, answer], name)
        out = lf.with_columns(
            pl.col(problem).cast(pl.String).alias("problem"), pl.col(answer).cast(pl.String).alias("answer")
        )
        drop = [c for c in (problem, answer) if c not in ("problem", "answer")]
        return out.drop(drop), drop

    return run


@mapper_factory
def deepmath(*, drop_unparsed: bool = True) -> Mapper:
    """``zwhe99/DeepMath-103K``: ``question`` -> ``problem``, ``final_answer`` -> ``answer``."""
    inner = _renamer("deepmath", "question", "final_answer")

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        out, _ = inner(lf)
        return _finish(out, ["problem", "answer"], drop_unparsed, nonempty=True)

    return Mapper("deepmath", run, output="math_problem")


@mapper_factory
def polaris(*, drop_unparsed: bool = True) -> Mapper:
    """``POLARIS-Project/Polaris-Dataset-53K``: ``problem``/``answer`` (as strings), empty rows dropped."""
    inner = _renamer("polaris", "problem", "answer")

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        out, _ = inner(lf)
        return _finish(out, ["problem", "answer"], drop_unparsed, nonempty=True)

    return Mapper("polaris", run, output="math_problem")


def decontaminate(
    lf: pl.LazyFrame, against: pl.LazyFrame | pl.DataFrame, *, on: str = "problem"
) -> pl.LazyFrame:
    """Drop rows of ``lf`` whose ``on`` value appears in ``against[on]`` (an anti-join; order kept).

    >>> train = pl.LazyFrame({"problem": ["a", "b", "c"]})
    >>> decontaminate(train, pl.DataFrame({"problem": ["b"]})).collect()["problem"].to_list()
    ['a', 'c']
    """
    other = against.lazy() if isinstance(against, pl.DataFrame) else against
    keys = other.select(pl.col(on)).unique()
    return lf.join(keys, on=on, how="anti", maintain_order="left")


@mapper_factory
def decontaminated(against: pl.DataFrame, *, on: str = "problem") -> Mapper:
    """A mapper form of :func:`decontaminate` (``against`` is a small collected frame of ``on`` values).

    >>> m = decontaminated(pl.DataFrame({"problem": ["b"]}))
    >>> m(pl.LazyFrame({"problem": ["a", "b"]})).collect()["problem"].to_list()
    ['a']
    """
    keys = against.select(pl.col(on)).unique()

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, [on], "decontaminated")
        return decontaminate(lf, keys, on=on)

    return Mapper("decontaminated", run, output="math_problem", options={"on": on, "rows": keys.height})
