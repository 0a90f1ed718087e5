# ruff: noqa: E402, B018  (notebook cells: imports where used, bare expressions display)
# %% [markdown]
# # An evaluation with a stored run, a comparison and an HTML report
#
# Score two sets of GSM8K predictions with exact match and the math grader, keep both runs in a local result
# store (parquet + SQLite, safe with concurrent writers), compare them item by item, and write a self-contained
# HTML report (summary, score plots, sortable table).
#
# The "models" here are simulated: each answers a seeded share of the questions correctly. Runs on the bundled
# local Hub emulator.

# %%
from polards.demo import start_emulated_hub

hub = start_emulated_hub()

# %%
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

import polards as pds
from polards.eval import evaluate
from polards.toolkit.report import run_report
from polards.toolkit.results import ResultStore

test = pds.load_dataset("openai/gsm8k", "main", split="test[:200]")
gold = test.to_polars().select(
    "question", gold=pl.col("answer").str.extract(r"####\s*(.+)$").str.replace_all(",", "")
)


def simulated_model(skill: float, seed: int) -> pl.DataFrame:
    """Answers like 'The answer is X.', right with probability `skill`."""
    right = np.random.default_rng(seed).random(gold.height) < skill
    answer = pl.when(pl.Series(right)).then(pl.col("gold")).otherwise(pl.lit("0"))
    return gold.with_columns(prediction=pl.format("Let me think. The answer is {}.", answer))


# %%
store = ResultStore(Path(tempfile.mkdtemp()) / "results")
runs = {}
for name, skill in [("small-model", 0.45), ("large-model", 0.7)]:
    frame = simulated_model(skill, seed=len(runs)).with_columns(
        extracted=pl.col("prediction").str.extract(r"answer is\s+(.+?)\.?$")
    )
    result = evaluate(
        frame,
        predictions="extracted",
        references="gold",
        metrics=["exact_match", "math"],
        keep_columns=["question", "prediction", "gold"],
    )
    runs[name] = store.append(
        result, dataset="openai/gsm8k", config="main", split="test[:200]", model=name, params={"skill": skill}
    )
    print(f"{name}: exact_match={result.metrics['exact_match']:.3f} math={result.metrics['math']:.3f}")

# %%
store.runs().select("run_id", "model", "exact_match", "math")

# %% [markdown]
# ## Item by item: which questions flipped?

# %%
flips = store.compare(runs["small-model"], runs["large-model"], score="math")
print(store.compare_summary(runs["small-model"], runs["large-model"], score="math"))
flips.filter(pl.col("change") != "same").select("key", "change", "question").head(5)

# %% [markdown]
# ## A self-contained HTML report

# %%
report = Path(tempfile.mkdtemp()) / "report.html"
report.write_text(run_report(store, runs["large-model"], compare_to=runs["small-model"]), encoding="utf-8")
print(f"report: {report} ({report.stat().st_size // 1024} KiB)")

# %%
hub.close()
