"""The LLM as PromptPO uses it: chat calls in replay, record or live mode, checkpointed and accounted per run."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Literal

from promptpo.llm.client import EndpointClient, RetryPolicy
from promptpo.llm.ledger import Ledger
from promptpo.llm.local_server import DEFAULT_MODEL_ALIAS, LocalServer, ServerSettings
from promptpo.llm.transcripts import CallTag, ChatRequest, Messages, Transcript, TranscriptStore
from promptpo.paths import REPO_ROOT

LLMMode = Literal["replay", "record", "live"]


class TranscriptMissing(LookupError):
    """Replay mode found no recorded reply for a request."""


@dataclass(frozen=True)
class LLMConfig:
    """Which model answers, how it samples, and where replies come from.

    llm_mode:
      replay  (default) answer every call from `transcripts_dir`; never opens a network connection.
      record  answer from `transcripts_dir` when the call is there, otherwise call the endpoint and store the
              reply (atomically, before returning it): an interrupted run repeats no call.
      live    call the endpoint every time and store nothing in `transcripts_dir`.
    base_url: any OpenAI-compatible endpoint (OpenAI, Gemini's OpenAI-compatible endpoint, vLLM, Ollama,
      llama.cpp). None in record/live mode starts the local llama.cpp server with `local_model_path`.
    api_key_env: name of the environment variable holding the key; the key itself is never written anywhere.
    sampling_seed: sample i of a prompt is requested with sampling_seed + i (endpoints that ignore seeds still get
      distinct cache keys through the sample index); None sends no seed.
    """

    model: str = DEFAULT_MODEL_ALIAS
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    llm_mode: LLMMode = "replay"
    temperature: float = 1.0
    max_tokens: int = 2048  # the 1.5B model writes 300-900-token policies; a cut reply is a `truncated` failure
    sampling_seed: int | None = 0
    timeout_s: float = 600.0  # per attempt; a long prompt on a slow local server can take minutes
    max_retries: int = 6
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    concurrency: int = 4
    transcripts_dir: str = "data/transcripts"  # relative paths are relative to the repository root
    local_model_path: str | None = None

    # Fields that say where replies come from and how calls are made, not what the replies are: a run's results
    # do not depend on them (its run folder and a notebook's output folder are named without them).
    RESULT_NEUTRAL: ClassVar[tuple[str, ...]] = (
        "llm_mode",
        "base_url",
        "api_key_env",
        "timeout_s",
        "max_retries",
        "backoff_initial_s",
        "backoff_max_s",
        "concurrency",
        "transcripts_dir",
        "local_model_path",
    )

    def __post_init__(self) -> None:
        if self.llm_mode not in ("replay", "record", "live"):
            raise ValueError(f"llm_mode must be replay, record or live, not {self.llm_mode!r}")


@dataclass(frozen=True)
class ChatReply:
    text: str
    finish_reason: str | None  # "stop", or "length" when the reply hit max_tokens
    prompt_tokens: int
    completion_tokens: int
    from_endpoint: bool  # False when a stored transcript answered
    max_tokens: int  # the request's cap on completion tokens
    key: str  # the request's key: the transcript of this call is `TranscriptStore.by_key(key)`

    @property
    def cut_at_tokens(self) -> int | None:
        """The token limit the reply was cut at, or None when it ended by itself."""
        return self.max_tokens if self.finish_reason == "length" else None


class LLM:
    """Chat completions for one run.

    Every reply, wherever it came from, is also written to `run_dir/llm/` (when a run folder is given): that is
    the run's checkpoint and its readable record of prompts and replies. Lookups try the run folder first, so a
    resumed run — in any mode — never sends a request twice.
    """

    def __init__(self, config: LLMConfig, *, run_dir: Path | None = None):
        self.config = config
        self.ledger = Ledger(model=config.model)
        self._shared = TranscriptStore(REPO_ROOT / config.transcripts_dir)  # an absolute path stays absolute
        self._run = TranscriptStore(run_dir / "llm") if run_dir is not None else None
        self._run_dir = run_dir
        self._endpoint: EndpointClient | None = None
        self._server: LocalServer | None = None
        self._endpoint_lock = threading.Lock()
        self._draws: Counter[tuple[tuple[str, str], ...]] = Counter()  # prompt -> draws requested so far

    # ---- public API ----------------------------------------------------------------------------------------

    def chat(self, messages: Messages, *, tag: CallTag) -> ChatReply:
        """One completion of `messages`."""
        return self.chat_many([(messages, tag)])[0]

    def sample(self, messages: Messages, n: int, *, tag: CallTag) -> list[ChatReply]:
        """`n` independent samples of one prompt, in sample order."""
        return self.chat_many([(messages, replace(tag, sample=i)) for i in range(n)])

    def chat_many(self, calls: Sequence[tuple[Messages, CallTag]]) -> list[ChatReply]:
        """One completion per (messages, tag), requested concurrently (up to `concurrency`), returned in order.

        Every request carries its draw number: the k-th time this session asks for the same messages is draw k
        (sample index k, seed sampling_seed + k). So asking twice for the same prompt (two rounds without a winner
        send identical prompts) gives two independent samples, not the same reply twice. Draw numbers are assigned
        here, in call order, before any request is sent: the same sequence of calls always makes the same requests,
        which is what lets a resumed run find its earlier replies.
        """
        cfg = self.config
        requests = []
        with self._endpoint_lock:
            for messages, _ in calls:
                frozen = tuple((role, content) for role, content in messages)
                index = self._draws[frozen]
                self._draws[frozen] += 1
                seed = None if cfg.sampling_seed is None else cfg.sampling_seed + index
                requests.append(ChatRequest(cfg.model, frozen, cfg.temperature, cfg.max_tokens, seed, index))
        pairs = [(request, tag) for request, (_, tag) in zip(requests, calls)]
        # The local llama.cpp server answers one request at a time: concurrent requests would only queue behind
        # each other and run into the timeout.
        concurrency = 1 if cfg.base_url is None else cfg.concurrency
        if len(pairs) <= 1 or concurrency <= 1:
            return [self._complete(request, tag) for request, tag in pairs]
        with ThreadPoolExecutor(max_workers=min(len(pairs), concurrency)) as pool:
            return list(pool.map(lambda pair: self._complete(*pair), pairs))

    def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing -----------------------------------------------------------------------------------------

    def _complete(self, request: ChatRequest, tag: CallTag) -> ChatReply:
        transcript, from_endpoint = self._lookup_or_call(request, tag)
        self.ledger.add(transcript, from_endpoint=from_endpoint)
        return ChatReply(
            transcript.reply,
            transcript.finish_reason,
            transcript.prompt_tokens,
            transcript.completion_tokens,
            from_endpoint,
            request.max_tokens,
            transcript.key,
        )

    def _lookup_or_call(self, request: ChatRequest, tag: CallTag) -> tuple[Transcript, bool]:
        if self._run is not None and (hit := self._run.get(request, tag)) is not None:
            return hit, False
        if self.config.llm_mode != "live" and (hit := self._shared.get(request, tag)) is not None:
            self._checkpoint(hit)
            return hit, False
        if self.config.llm_mode == "replay":
            near_miss = self._shared.near_miss(request, tag)
            raise TranscriptMissing(
                f"no recorded reply for {tag.describe()} with model {request.model!r} in "
                f"{self.config.transcripts_dir} (replay mode never calls an endpoint). To record it, rerun with "
                f"llm_mode='record' (CLI: --llm-mode record) and your endpoint's --base-url/--model, or without "
                f"--base-url to use the local llama.cpp server; see README, 'Use your own LLM'."
                + (f"\n{near_miss}" if near_miss else "")
            )
        completion = self._client().complete(request)
        transcript = Transcript(
            key=request.key(),
            tag=tag,
            request=request,
            reply=completion.text,
            finish_reason=completion.finish_reason,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_s=completion.latency_s,
            recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            served_model=completion.served_model,
            retries=completion.retries,
        )
        if self.config.llm_mode == "record":
            self._shared.put(transcript)
        self._checkpoint(transcript)
        return transcript, True

    def _checkpoint(self, transcript: Transcript) -> None:
        if self._run is not None:
            self._run.put(transcript)

    def _client(self) -> EndpointClient:
        # Created on the first real call only: replay runs never construct a client or start a server.
        with self._endpoint_lock:
            if self._endpoint is None:
                cfg = self.config
                base_url = cfg.base_url
                if base_url is None:
                    log_path = self._run_dir / "llama_server.log" if self._run_dir is not None else None
                    self._server = LocalServer(
                        ServerSettings(model_path=cfg.local_model_path, model_alias=cfg.model), log_path=log_path
                    )
                    base_url = self._server.start()
                api_key = os.environ.get(cfg.api_key_env) or "no-key-set"  # local servers accept any key
                retry = RetryPolicy(cfg.max_retries, cfg.backoff_initial_s, cfg.backoff_max_s)
                self._endpoint = EndpointClient(base_url, api_key, timeout_s=cfg.timeout_s, retry=retry)
            return self._endpoint
