"""Chat SFT datasets -> ``messages``."""

from __future__ import annotations

from polards.catalog.spec import DatasetSpec
from polards.mappers import chat_identity, conversations_to_messages

__all__ = ["SPECS"]

SPECS = (
    DatasetSpec(
        name="tulu3_sft",
        repo_id="allenai/tulu-3-sft-mixture",
        domain="chat",
        task="sft",
        output="messages",
        mapper=chat_identity,
        splits=("train",),
        approx_rows=939_343,
        licence="odc-by",
        description="Tulu 3 SFT mixture; messages kept as is (normalised to {role, content}).",
    ),
    DatasetSpec(
        name="no_robots",
        repo_id="HuggingFaceH4/no_robots",
        domain="chat",
        task="sft",
        output="messages",
        mapper=chat_identity,
        splits=("train", "test"),
        approx_rows=10_000,
        licence="cc-by-nc-4.0",
        description="10k human-written instruction/response chats; messages kept as is.",
    ),
    DatasetSpec(
        name="openthoughts3",
        repo_id="open-thoughts/OpenThoughts3-1.2M",
        domain="chat",
        task="sft",
        output="messages",
        mapper=conversations_to_messages,
        splits=("train",),
        approx_rows=1_200_000,
        licence="apache-2.0",
        description="1.2M reasoning traces; conversations{from,value} -> messages; streamed by default.",
        streaming_default=True,
    ),
)
