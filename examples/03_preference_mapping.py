# ruff: noqa: E402, B018  (notebook cells: imports where used, bare expressions display)
# %% [markdown]
# # Preference mapping: HH-RLHF transcripts to comparisons and DPO triples
#
# Anthropic's HH-RLHF stores each pair as two whole transcripts. polards' `hh_rlhf` mapper splits them into a
# shared prompt conversation and the two final assistant turns (a `comparison` struct plus a `label`), dropping
# malformed pairs; `to_dpo` turns that into TRL-style `prompt` / `chosen` / `rejected` message lists. Both are
# lazy schema mappers, so the whole conversion is one Polars plan.
#
# Runs on the bundled local Hub emulator (the `helpful-base` test split is the real HH-RLHF file, MIT licence).

# %%
from polards.demo import start_emulated_hub

hub = start_emulated_hub()

# %%
import tempfile
from pathlib import Path

import polars as pl

import polards as pds
from polards.mappers.preference import hh_rlhf, swap, to_dpo
from polards.toolkit import sampling
from polards.toolkit.export import export

raw = pds.load_dataset("Anthropic/hh-rlhf", data_dir="helpful-base", split="test")
print(raw)
print(raw[0]["chosen"][:300])

# %% [markdown]
# ## Transcripts -> comparison struct + label

# %%
pairs = raw.map_schema(hh_rlhf())
print(pairs.features)
print(f"{len(pairs):,} of {len(raw):,} pairs kept")

# %%
first = pairs[0]["comparison"]
print("prompt turns:", len(first["prompt_conversation"]))
print("A:", first["completion_A"][0]["content"][:120])
print("B:", first["completion_B"][0]["content"][:120])

# %% [markdown]
# ## Balance the labels: swap sides on a seeded half of the rows, vectorised

# %%
balanced = pairs.map_schema(swap(pl.int_range(pl.len()).hash(42) % 2 == 0))
print(balanced.to_polars()["label"].value_counts(sort=True))

# %% [markdown]
# ## DPO triples, a few-shot pick per label, export

# %%
dpo = pairs.map_schema(to_dpo())
print(dpo.column_names)
few = sampling.per_class(balanced, 2, by="label", seed=0)
print(few.to_polars()["label"].to_list())
out = Path(tempfile.mkdtemp()) / "hh_dpo.jsonl"
export(dpo, out)
print(f"wrote {sum(1 for _ in out.open()):,} DPO rows to {out.name}")

# %%
hub.close()
