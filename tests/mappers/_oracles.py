"""Plain-Python re-statements of the recipes' per-row logic, used as test oracles for the mappers."""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from typing import Any


def gsm8k_final_answer(text: str) -> str | None:
    for line in reversed(text.splitlines()):
        s = line.strip()
        if s.startswith("####"):
            content = s[4:].strip()
            if content.startswith(":"):
                content = content[1:].strip()
            return content.replace(",", "").strip()
    matches = re.findall(r"####\s*(.+)", text)
    return matches[-1].strip() if matches else None


def extract_boxed(text: str) -> str | None:
    """Stack over every brace; the box whose brace closes last wins; an unmatched '}' is an error."""
    boxed: list[str] = []
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}":
            if not stack:
                return None
            last_open = stack.pop()
            if text[:last_open].endswith("\\boxed"):
                boxed.append(text[last_open + 1 : i])
    if boxed:
        return boxed[-1]
    m = re.search(r"\\boxed\s+([a-zA-Z0-9]+)", text)
    return m.group(1) if m else None


def parse_hh(text: str) -> list[dict[str, str]]:
    messages = []
    parts = re.split(r"(Human:|Assistant:)", text)
    if not parts[0].strip():
        parts = parts[1:]
    for i in range(0, len(parts), 2):
        if i + 1 < len(parts):
            d, c = parts[i].strip(), parts[i + 1].strip()
            if d == "Human:":
                messages.append({"role": "user", "content": c})
            elif d == "Assistant:":
                messages.append({"role": "assistant", "content": c})
    return messages


def hh_comparison(row: dict[str, str]) -> dict[str, Any] | None:
    chosen, rejected = parse_hh(row["chosen"]), parse_hh(row["rejected"])
    if len(chosen) != len(rejected):
        return None
    match = [a == b for a, b in zip(chosen, rejected, strict=True)]
    if match != [True] * (len(match) - 1) + [False]:
        return None
    return {
        "comparison": {
            "prompt_conversation": chosen[:-1],
            "completion_A": [chosen[-1]],
            "completion_B": [rejected[-1]],
        },
        "label": "A",
    }


def helpsteer2_pairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_prompt: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_prompt.setdefault(r["prompt"], []).append(r)
    out = []
    for prompt, responses in by_prompt.items():
        if len(responses) >= 2:
            responses = sorted(responses, key=lambda x: x["helpfulness"], reverse=True)
            if responses[0]["helpfulness"] > responses[-1]["helpfulness"]:
                out.append(
                    {
                        "prompt": prompt,
                        "chosen_response": responses[0]["response"],
                        "rejected_response": responses[-1]["response"],
                        "helpfulness_diff": responses[0]["helpfulness"] - responses[-1]["helpfulness"],
                    }
                )
    return out


def sample_per_class(labels: list[int], n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    by_class: dict[int, list[int]] = defaultdict(list)
    for idx, label in enumerate(labels):
        by_class[label].append(idx)
    selected: list[int] = []
    for label in sorted(by_class):
        indices = by_class[label]
        rng.shuffle(indices)
        selected.extend(indices[:n])
    return selected


def arena_parse(conversation: list[dict[str, Any]]) -> list[dict[str, str]] | None:
    messages = []
    for msg in conversation:
        text_parts = []
        for item in msg["content"]:
            if isinstance(item, dict) and item["type"] == "text":
                text_parts.append(item.get("text") or "")
            else:
                return None
        if text_parts:
            content = " ".join(text_parts)
            if msg["role"] in ("user", "assistant"):
                messages.append({"role": msg["role"], "content": content})
    return messages


def arena_comparison(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["winner"] not in ("model_a", "model_b"):
        return None
    a, b = arena_parse(row["conversation_a"]), arena_parse(row["conversation_b"])
    if not a or not b or len(a) < 2 or len(b) < 2:
        return None
    if a[-1]["role"] != "assistant" or b[-1]["role"] != "assistant":
        return None
    return {
        "comparison": {"prompt_conversation": a[0:1], "completion_A": a[1:], "completion_B": b[1:]},
        "label": "A" if row["winner"] == "model_a" else "B",
    }


def taco_json(spec: dict[str, Any]) -> str:
    return json.dumps(spec)
