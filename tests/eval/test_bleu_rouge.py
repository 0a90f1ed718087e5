"""Differential tests: BLEU against sacrebleu and ROUGE against rouge-score (hypothesis + real texts), to 1e-9."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polards.eval import corpus_bleu, rouge, rouge_tokenize, sentence_bleu, tokenize_13a
from polards.eval.metrics._porter import stem
from polards.eval.metrics.rouge import lcs_length
from polards.exceptions import InvalidArgumentError

sacrebleu = pytest.importorskip("sacrebleu")
rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")

REAL = Path("/work/shared/realdata")
TOL = 1e-9

# small vocabularies make n-gram matches frequent; punctuation, digits and odd spacing exercise 13a
WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "Dog", "ran", "running", "runs", "3.5", "1,000", "-",
         "&amp;", "&quot;", ".", ",", "!", "it's", "e-mail", "x-2", "héllo", "(", ")", "U.S.", "<skipped>"]  # fmt: skip
sentence = st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join) | st.text(max_size=30)
multiline = st.lists(sentence, max_size=4).map("\n".join)


def _sacre_refs(refs: list[list[str]]) -> list[list[str | None]]:
    """Per-item reference lists -> sacrebleu's reference streams (None pads variable counts)."""
    k = max((len(r) for r in refs), default=1)
    return [[r[j] if j < len(r) else None for r in refs] for j in range(k)]


# ------------------------------------------------------------------------------------------------------ BLEU
@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_tokenize_13a_equals_sacrebleu(text):
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    assert tokenize_13a(text) == Tokenizer13a()(text)


@given(st.lists(st.text(max_size=60), max_size=20))
@settings(max_examples=200, deadline=None)
def test_vectorised_13a_tokens_equal_sacrebleu(texts):
    import polars as pl
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    from polards.eval.metrics.bleu import tokens_expr

    got = pl.DataFrame({"s": texts}, schema={"s": pl.String}).select(tokens_expr(pl.col("s"))).to_series()
    tok = Tokenizer13a()
    assert got.to_list() == [tok(t.rstrip()).split() for t in texts]


@given(
    data=st.lists(st.tuples(sentence, st.lists(sentence, min_size=1, max_size=3)), min_size=1, max_size=8),
    smooth=st.sampled_from(["exp", "floor", "add-k", "none"]),
    lowercase=st.booleans(),
    effective=st.booleans(),
)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_corpus_bleu_equals_sacrebleu(data, smooth, lowercase, effective):
    hyps = [h for h, _ in data]
    refs = [r for _, r in data]
    ours = corpus_bleu(hyps, refs, smooth_method=smooth, lowercase=lowercase, effective_order=effective)
    theirs = sacrebleu.corpus_bleu(
        hyps, _sacre_refs(refs), smooth_method=smooth, lowercase=lowercase, use_effective_order=effective
    )
    assert abs(ours.score - theirs.score) <= TOL
    assert ours.details["sys_len"] == theirs.sys_len and ours.details["ref_len"] == theirs.ref_len
    assert [int(c) for c in ours.details["counts"]] == [int(c) for c in theirs.counts]
    # per-item scores are sentence BLEU
    for h, r, s in zip(hyps, refs, ours.per_item["bleu"].to_list(), strict=True):
        assert abs(s - sacrebleu.sentence_bleu(h, r, smooth_method=smooth, lowercase=lowercase).score) <= TOL


@given(
    data=st.lists(st.tuples(sentence, st.lists(sentence, min_size=1, max_size=2)), min_size=1, max_size=6),
    smooth=st.sampled_from(["exp", "floor", "add-k", "none"]),
    value=st.sampled_from([None, 0.01, 0.5, 2]),
)
@settings(max_examples=150, deadline=None)
def test_sentence_bleu_equals_sacrebleu(data, smooth, value):
    if smooth in ("exp", "none"):
        value = None
    hyps = [h for h, _ in data]
    refs = [r for _, r in data]
    ours = sentence_bleu(hyps, refs, smooth_method=smooth, smooth_value=value).per_item["bleu"].to_list()
    for h, r, s in zip(hyps, refs, ours, strict=True):
        assert abs(s - sacrebleu.sentence_bleu(h, r, smooth_method=smooth, smooth_value=value).score) <= TOL


def _real_pairs(n: int = 400) -> tuple[list[str], list[str]]:
    rows = [json.loads(x) for x in (REAL / "gsm8k/test.jsonl").read_text().splitlines()[:n]]
    hyps = [r["answer"].split("####")[0].replace("\n", " ") for r in rows]
    refs = [r["question"] for r in rows]
    return hyps, refs


@pytest.mark.skipif(not (REAL / "gsm8k/test.jsonl").exists(), reason="real data not present")
def test_bleu_real_texts():
    hyps, refs = _real_pairs()
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu.corpus_bleu(hyps, [refs])
    assert abs(ours.score - theirs.score) <= TOL
    # two references per item, one of them a shuffled sibling
    refs2 = refs[1:] + refs[:1]
    ours = corpus_bleu(hyps, [[a, b] for a, b in zip(refs, refs2, strict=True)], lowercase=True)
    theirs = sacrebleu.corpus_bleu(hyps, [refs, refs2], lowercase=True)
    assert abs(ours.score - theirs.score) <= TOL
    sent = ours.per_item["bleu"].to_list()
    for i in range(0, len(hyps), 37):
        assert (
            abs(sent[i] - sacrebleu.sentence_bleu(hyps[i], [refs[i], refs2[i]], lowercase=True).score) <= TOL
        )


def test_bleu_inputs():
    import polars as pl

    df = pl.DataFrame({"p": ["a b c d e"], "r": [["a b c d e", "x"]]})
    assert corpus_bleu("p", "r", data=df).score == pytest.approx(100.0)
    assert corpus_bleu([], []).score == 0.0
    with pytest.raises(InvalidArgumentError, match="smooth_method"):
        corpus_bleu(["a"], ["a"], smooth_method="magic")
    with pytest.raises(InvalidArgumentError, match="tokenize"):
        corpus_bleu(["a"], ["a"], tokenize="intl")
    with pytest.raises(InvalidArgumentError, match="1 predictions but 2"):
        corpus_bleu(["a"], ["a", "b"])


# ------------------------------------------------------------------------------------------------------ ROUGE
TYPES = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]


def _check_rouge(preds: list[str], refs: list, use_stemmer: bool) -> None:
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=use_stemmer)
    ours = rouge(preds, refs, rouge_types=TYPES, use_stemmer=use_stemmer).per_item
    for i, (p, r) in enumerate(zip(preds, refs, strict=True)):
        want = scorer.score_multi(r, p) if isinstance(r, list) else scorer.score(r, p)
        for t in TYPES:
            for field in ("precision", "recall", "fmeasure"):
                got = ours[f"{t}_{field}"][i]
                assert abs(got - getattr(want[t], field)) <= TOL, (t, field, p, r)


@given(
    data=st.lists(st.tuples(multiline, multiline), min_size=1, max_size=6),
    use_stemmer=st.booleans(),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rouge_equals_rouge_score(data, use_stemmer):
    _check_rouge([p for p, _ in data], [r for _, r in data], use_stemmer)


@given(
    data=st.lists(st.tuples(sentence, st.lists(sentence, min_size=1, max_size=3)), min_size=1, max_size=5),
    use_stemmer=st.booleans(),
)
@settings(max_examples=100, deadline=None)
def test_rouge_multi_reference_equals_score_multi(data, use_stemmer):
    _check_rouge([p for p, _ in data], [r for _, r in data], use_stemmer)


@pytest.mark.skipif(not (REAL / "hh-rlhf").exists(), reason="real data not present")
@pytest.mark.parametrize("use_stemmer", [False, True])
def test_rouge_real_texts(use_stemmer):
    rows = []
    with gzip.open(REAL / "hh-rlhf/helpful-base/test.jsonl.gz", "rt") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == 60:
                break
    preds = [r["chosen"][-600:] for r in rows]
    refs = [r["rejected"][-600:] for r in rows]
    _check_rouge(preds, refs, use_stemmer)


@pytest.mark.skipif(not (REAL / "gsm8k/train.jsonl").exists(), reason="real data not present")
def test_porter_equals_nltk_on_real_vocabulary():
    import re

    from nltk.stem.porter import PorterStemmer

    words = set(re.findall(r"[a-z0-9]+", (REAL / "gsm8k/train.jsonl").read_text().lower()))
    ps = PorterStemmer()
    bad = [w for w in words if ps.stem(w) != stem(w)]
    assert not bad[:10]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12))
@settings(max_examples=500, deadline=None)
def test_porter_equals_nltk_random(word):
    from nltk.stem.porter import PorterStemmer

    assert stem(word) == PorterStemmer().stem(word)


@given(st.text(max_size=40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_rouge_tokenize_equals_rouge_score(text, use_stemmer):
    from rouge_score import tokenizers

    assert rouge_tokenize(text, use_stemmer) == tokenizers.DefaultTokenizer(use_stemmer).tokenize(text)


@given(st.lists(st.sampled_from("abcd"), max_size=70), st.lists(st.sampled_from("abcd"), max_size=70))
@settings(max_examples=200, deadline=None)
def test_bit_parallel_lcs_equals_dp(a, b):
    from rouge_score.rouge_scorer import _lcs_table

    want = _lcs_table(a, b)[-1][-1] if a and b else 0
    assert lcs_length(a, b) == want


@given(st.lists(st.sampled_from("abcd"), max_size=40), st.lists(st.sampled_from("abcd"), max_size=40))
@settings(max_examples=200, deadline=None)
def test_bit_vector_backtracking_equals_rouge_score_lcs_ind(a, b):
    from rouge_score.rouge_scorer import lcs_ind

    from polards.eval.metrics.rouge import _lcs_ind

    assert sorted(_lcs_ind(a, b)) == lcs_ind(a, b)


def test_rouge_errors_and_corpus_mean():
    r = rouge(["a b", "c"], ["a b", "d"], rouge_types=["rouge1"])
    assert r.score == pytest.approx(0.5) and r.details["rouge1_fmeasure"] == pytest.approx(0.5)
    with pytest.raises(InvalidArgumentError, match="rouge type"):
        rouge(["a"], ["a"], rouge_types=["rougeW"])
