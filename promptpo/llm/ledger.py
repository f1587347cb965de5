"""Per-run accounting of LLM calls: counts, tokens, latency and cost where the model has a price entry."""

from __future__ import annotations

import csv
import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from promptpo.llm.transcripts import Transcript
from promptpo.paths import DATA_DIR

PRICES_FILE = DATA_DIR / "llm_prices.csv"


@functools.cache
def load_prices(path: Path = PRICES_FILE) -> dict[str, tuple[float, float]]:
    """model -> (USD per 1M prompt tokens, USD per 1M completion tokens), from `data/llm_prices.csv`."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {
            row["model"]: (float(row["usd_per_1m_input"]), float(row["usd_per_1m_output"]))
            for row in csv.DictReader(handle)
        }


@dataclass
class Ledger:
    """Totals over every call a run makes, whether answered by the endpoint or by a stored transcript.

    `endpoint_calls` counts requests that really reached the endpoint; `calls - endpoint_calls` were served from
    transcripts. Tokens, latency and cost are those of the original calls, so a replayed run reports what its
    recording cost. `cost_usd` is None when the model has no entry in `data/llm_prices.csv`.
    """

    model: str
    calls: int = 0
    endpoint_calls: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    truncated: int = 0  # replies cut at the token limit (finish_reason "length")
    by_purpose: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, transcript: Transcript, *, from_endpoint: bool) -> None:
        with self._lock:
            self.calls += 1
            self.endpoint_calls += int(from_endpoint)
            self.retries += transcript.retries if from_endpoint else 0
            self.prompt_tokens += transcript.prompt_tokens
            self.completion_tokens += transcript.completion_tokens
            self.latency_s += transcript.latency_s
            self.truncated += int(transcript.finish_reason == "length")
            purpose = transcript.tag.purpose
            self.by_purpose[purpose] = self.by_purpose.get(purpose, 0) + 1

    @property
    def cost_usd(self) -> float | None:
        price = load_prices().get(self.model)
        if price is None:
            return None
        return (self.prompt_tokens * price[0] + self.completion_tokens * price[1]) / 1e6

    def summary(self) -> dict[str, object]:
        """Plain-data totals (what run folders and results tables store)."""
        with self._lock:
            return {
                "model": self.model,
                "calls": self.calls,
                "endpoint_calls": self.endpoint_calls,
                "retries": self.retries,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "latency_s": round(self.latency_s, 3),
                "truncated": self.truncated,
                "by_purpose": dict(sorted(self.by_purpose.items())),
                "cost_usd": self.cost_usd,
            }
