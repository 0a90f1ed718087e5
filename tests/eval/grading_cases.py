r"""Agreement table for the math grader: (given, gold, expected verdict, category).

Verdicts follow mathematical equivalence of final answers as graded in MATH/PRM800K-style recipes: formatting
(``\dfrac``, ``\left``, spaces, ``\text{}``, units, ``$``, ``\%``, "x = ") never matters; brackets of tuples
and intervals do; unordered answer lists/sets compare as multisets.
"""

CASES: list[tuple[str, str, bool, str]] = [
    # fractions
    (r"\frac{1}{2}", r"\frac12", True, "fraction"),
    (r"\dfrac{3}{4}", r"\frac{3}{4}", True, "fraction"),
    (r"3/4", r"\frac{3}{4}", True, "fraction"),
    (r"\tfrac{2}{4}", r"\frac{1}{2}", True, "fraction"),
    (r"-\frac{1}{3}", r"\frac{-1}{3}", True, "fraction"),
    (r"\frac{1}{3}", r"0.3333", False, "fraction"),
    (r"\frac{2}{3}", r"\frac{3}{2}", False, "fraction"),
    (r"\frac{7}{2}", r"3\frac{1}{2}", True, "fraction"),
    # decimals and integers
    ("0.5", r"\frac{1}{2}", True, "decimal"),
    (".5", "0.5", True, "decimal"),
    ("5.0", "5", True, "decimal"),
    ("2.50", "2.5", True, "decimal"),
    ("1,000", "1000", True, "decimal"),
    ("1{,}000", "1000", True, "decimal"),
    ("12", "13", False, "decimal"),
    ("-3", "3", False, "decimal"),
    ("0.1", "0.1000001", False, "decimal"),
    (r"2\times10^{3}", "2000", True, "decimal"),
    # percentages and money
    (r"10\%", "10", True, "percent"),
    ("25%", "25", True, "percent"),
    (r"\$18.90", "18.90", True, "money"),
    (r"\$ 5", "5", True, "money"),
    # units and degrees
    (r"5 \text{ cm}", "5", True, "units"),
    (r"12 \text{ inches}", "12", True, "units"),
    (r"90^\circ", "90", True, "units"),
    (r"90^{\circ}", "90", True, "units"),
    (r"30 \mbox{ degrees}", "30", True, "units"),
    (r"6 \text{ cm}^2", "7", False, "units"),
    # equations "k = v"
    ("x = 5", "5", True, "equation"),
    ("k=-2", "-2", True, "equation"),
    ("y = 2x + 3", "2x+3", True, "equation"),
    ("x + y = 1", "2x + 2y = 2", True, "equation"),
    ("x + y = 1", "x - y = 1", False, "equation"),
    ("5x - 7y + 11z + 4 = 0", "5", False, "equation"),
    ("4210_{5}", "4210_5", True, "base"),
    ("4210_{5}", "4211_5", False, "base"),
    # intervals
    (r"(1, 2]", r"(1,2]", True, "interval"),
    (r"(1,2]", r"(1,2)", False, "interval"),
    (r"[0, \infty)", r"[0,\infty)", True, "interval"),
    (r"\left( -\infty, 3 \right)", r"(-\infty,3)", True, "interval"),
    (r"(-\infty, 0) \cup (1, \infty)", r"(-\infty,0)\cup(1,\infty)", True, "interval"),
    (r"[1, 3]", r"[1, 4]", False, "interval"),
    # tuples / points
    (r"(3, \frac{\pi}{2})", r"\left( 3, \frac{\pi}{2} \right)", True, "tuple"),
    (r"(1, 2, 3)", r"(1,2,3)", True, "tuple"),
    (r"(2, 1)", r"(1, 2)", False, "tuple"),
    (r"(0.5, 2)", r"(\frac{1}{2}, 2)", True, "tuple"),
    (r"(1, 2)", r"(1, 2, 3)", False, "tuple"),
    # unordered lists and sets
    (r"2, 3", r"3, 2", True, "list"),
    (r"-1, 4", r"4,-1", True, "list"),
    (r"1, 2", r"1, 3", False, "list"),
    (r"\{1, 2\}", r"\{2, 1\}", True, "set"),
    (r"x = 2 \text{ or } x = 3", "2, 3", True, "list"),
    (r"x = 2 \text{ or } x = 3", "2", False, "list"),
    # matrices
    (
        r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
        r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
        True,
        "matrix",
    ),
    (r"\begin{pmatrix} 1 \\ -2 \end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", False, "matrix"),
    (
        r"\begin{pmatrix} 1/2 \\ 3 \end{pmatrix}",
        r"\begin{pmatrix} \frac{1}{2} \\ 3 \end{pmatrix}",
        True,
        "matrix",
    ),
    (r"\begin{bmatrix} 1 & 0 \end{bmatrix}", r"\begin{pmatrix} 1 & 0 \end{pmatrix}", True, "matrix"),
    # sqrt and pi forms (sympy layer)
    (r"2\sqrt{2}", r"\sqrt{8}", True, "sqrt"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", True, "sqrt"),
    (r"\sqrt3", r"\sqrt{3}", True, "sqrt"),
    (r"3\sqrt{2}", r"2\sqrt{3}", False, "sqrt"),
    (r"\sqrt[3]{8}", "2", True, "sqrt"),
    (r"2\pi", r"\pi \cdot 2", True, "pi"),
    (r"\frac{\pi}{4}", r"\frac{1}{4}\pi", True, "pi"),
    (r"\pi", "3.14", False, "pi"),
    (r"4\pi", r"2\pi", False, "pi"),
    (r"\frac{9\pi}{2}", r"4.5\pi", True, "pi"),
    # symbolic expressions
    (r"x^2+2x+1", r"(x+1)^2", True, "symbolic"),
    (r"(x+1)^2", r"x^2+1", False, "symbolic"),
    (r"2(a+b)", r"2a + 2b", True, "symbolic"),
    (r"\frac{x}{2}", r"0.5x", True, "symbolic"),
    (r"x^{3}", r"x^3", True, "symbolic"),
    (r"e^{2}", r"e^2", True, "symbolic"),
    (r"1+2i", r"2i+1", True, "complex"),
    (r"1-2i", r"1+2i", False, "complex"),
    # text answers
    (r"\text{Monday}", "Monday", True, "text"),
    (r"\text{(C)}", "(C)", True, "text"),
    ("monday", r"\text{Monday}", True, "text"),
    (r"\text{even}", r"\text{odd}", False, "text"),
    ("yes", "no", False, "text"),
    ("", "5", False, "empty"),
]
