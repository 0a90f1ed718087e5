# ruff: noqa: E402, B018  (notebook cells: imports where used, bare expressions display)
# %% [markdown]
# # Lazy streaming of a 1M-row corpus
#
# A corpus too big to download is streamed from the Hub batch by batch with HTTP range reads: memory stays
# bounded, and a `filter` / `map` pipeline runs on each batch as it arrives.
#
# Here the "Hub" is polards' local emulator serving a generated 1,000,000-row corpus (4 parquet shards).

# %%
import resource
import tempfile
import time

import polars as pl

from polards.demo import start_emulated_hub
from polards.testing.hub import write_repo

N_ROWS, N_SHARDS = 1_000_000, 4
root = tempfile.mkdtemp()
per_shard = N_ROWS // N_SHARDS
shards = {}
for s in range(N_SHARDS):
    shards[f"data/train-{s:05d}-of-{N_SHARDS:05d}.parquet"] = pl.select(
        id=pl.int_range(s * per_shard, (s + 1) * per_shard)
    ).with_columns(
        text=pl.format("document {} about topic {} with a few more words", "id", pl.col("id") % 97),
        lang=pl.when(pl.col("id") % 4 == 1)
        .then(pl.lit("fr"))
        .when(pl.col("id") % 4 == 2)
        .then(pl.lit("de"))
        .otherwise(pl.lit("en")),
        score=(pl.col("id") * 7919 % 1000) / 1000,
    )
write_repo(root, "polards-demo/corpus-1m", shards, card={"license": "cc0-1.0"})
hub = start_emulated_hub([root])

# %%
import polards as pds

stream = pds.load_dataset("polards-demo/corpus-1m", split="train", streaming=True)
print(stream)

# %% [markdown]
# ## A pipeline over the stream: filter, derive a column, keep two columns

# %%
pipeline = (
    stream.filter(pl.col("lang") == "en")
    .with_columns(n_words=pl.col("text").str.count_matches(" ") + 1)
    .filter(pl.col("score") > 0.5)
    .select_columns(["id", "n_words"])
)
print(pipeline.take(3).to_polars())

# %%
started = time.perf_counter()
rows = batches = words = 0
for batch in pipeline.with_format("polars").iter(batch_size=50_000):
    rows += batch.height
    batches += 1
    words += int(batch["n_words"].sum())
elapsed = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    f"{rows:,} rows kept out of {N_ROWS:,} in {batches} batches, {elapsed:.1f} s; {words:,} words; peak RSS {peak_mb:.0f} MB"
)

# %%
hub.close()
