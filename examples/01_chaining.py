# ruff: noqa: E402, B018  (notebook cells: imports where used, bare expressions display)
# %% [markdown]
# # Dataframe-style chaining on a Hub dataset
#
# Load GSM8K from the Hub, then chain `with_columns` / `filter` / `select_columns` like a dataframe. Nothing runs
# until rows are asked for: the chain is one lazy Polars plan, and `explain()` shows it. Then sample, split into
# folds and export.
#
# This notebook runs on polards' bundled **local Hub emulator** (no network). Delete the first code cell to use
# the real Hub.

# %%
from polards.demo import start_emulated_hub

hub = start_emulated_hub()  # serves the bundled fixture repos and sets HF_ENDPOINT / HF_HOME for this process

# %%
import tempfile
from pathlib import Path

import polars as pl

import polards as pds
from polards.toolkit import sampling
from polards.toolkit.export import export, to_markdown

ds = pds.load_dataset("openai/gsm8k", "main", split="train")
print(ds)

# %% [markdown]
# ## A chain of verbs is one lazy plan

# %%
tidy = (
    ds.with_columns(
        final_answer=pl.col("answer")
        .str.extract(r"####\s*(.+)$")
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False),
        steps=pl.col("answer").str.count_matches("\n"),
    )
    .filter(pl.col("final_answer").is_not_null())
    .rename_column("question", "problem")
    .select_columns(["problem", "final_answer", "steps"])
)
print(tidy.explain())

# %%
head = tidy.take(5).to_polars()
head

# %% [markdown]
# ## Sampling: stratified by the number of steps, then 5 stratified folds

# %%
small = sampling.stratified_sample(tidy, 200, by="steps", seed=0)
by_steps = small.to_polars()["steps"].value_counts(sort=True)
print(by_steps)

# %%
for fold, (train, valid) in enumerate(sampling.k_fold(small, k=5, seed=0, stratify_by="steps")):
    print(f"fold {fold}: train={len(train)} validation={len(valid)}")

# %% [markdown]
# ## Export

# %%
out = Path(tempfile.mkdtemp())
export(small, out / "gsm8k_sample.parquet")
export(small, out / "gsm8k_sample.jsonl")
print(pl.read_parquet(out / "gsm8k_sample.parquet").shape)
print(to_markdown(small.take(3), max_chars=60))

# %%
hub.close()
