"""Chat completions against any OpenAI-compatible endpoint, with retries and exponential backoff."""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import openai

from promptpo.llm.transcripts import ChatRequest

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 300.0  # a server asking for a longer pause than this is treated as down


class LLMUnavailable(RuntimeError):
    """The endpoint could not answer (retries exhausted, authentication or a bad request): the run stops here
    and can be resumed later without repeating any completed call."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 408/409/429/5xx, connection errors, timeouts and malformed replies.

    Delay before retry k (0-based) is `initial_s * 2**k` capped at `max_s`, unless the server sent `Retry-After`
    (seconds or an HTTP date) or `retry-after-ms`, which is honoured as given (up to 300 s).
    """

    max_retries: int = 6
    initial_s: float = 1.0
    max_s: float = 60.0

    def delay(self, attempt: int, error: Exception) -> float:
        hinted = retry_after_seconds(error)
        return hinted if hinted is not None else min(self.max_s, self.initial_s * 2**attempt)


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    served_model: str | None
    retries: int


def retry_after_seconds(error: Exception) -> float | None:
    """Seconds the server asked us to wait, if it said so."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    headers = response.headers
    if (value := headers.get("retry-after-ms")) is not None:
        try:
            return min(MAX_RETRY_AFTER_S, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else min(MAX_RETRY_AFTER_S, max(0.0, parsed.timestamp() - time.time()))


class MalformedReply(ValueError):
    """The endpoint answered 200 with a body that is not a chat completion."""


def is_retryable(error: Exception) -> bool:
    if isinstance(error, (openai.APIConnectionError, openai.APIResponseValidationError, ValueError)):
        return True  # includes timeouts; a malformed body (bad JSON, no choices) is treated as a transient fault
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


class EndpointClient:
    """One OpenAI SDK client plus our retry loop (the SDK's own retries are off so that every retry is logged,
    counted in the ledger and testable)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float,
        retry: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0)
        self._retry = retry
        self._sleep = sleep

    def complete(self, request: ChatRequest) -> Completion:
        extra = {} if request.seed is None else {"seed": request.seed}
        started = time.monotonic()
        for attempt in range(self._retry.max_retries + 1):
            try:
                response = self._client.chat.completions.create(
                    model=request.model,
                    messages=request.openai_messages(),
                    temperature=request.temperature,
                    max_tokens=request.max_tokens,
                    **extra,
                )
                if not getattr(response, "choices", None):
                    raise MalformedReply(f"reply has no choices: {str(response)[:200]}")
                choice = response.choices[0]
                usage = response.usage
                return Completion(
                    text=choice.message.content or "",
                    finish_reason=choice.finish_reason,
                    prompt_tokens=usage.prompt_tokens if usage else 0,
                    completion_tokens=usage.completion_tokens if usage else 0,
                    latency_s=time.monotonic() - started,
                    served_model=response.model,
                    retries=attempt,
                )
            except (openai.OpenAIError, json.JSONDecodeError, MalformedReply) as error:
                if not is_retryable(error):
                    raise LLMUnavailable(f"the endpoint refused the request: {_describe(error)}") from error
                if attempt == self._retry.max_retries:
                    raise LLMUnavailable(
                        f"no reply after {attempt + 1} attempts; last error: {_describe(error)}"
                    ) from error
                delay = self._retry.delay(attempt, error)
                log.warning("LLM call failed (%s); retry %d in %.1f s", _describe(error), attempt + 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    text = str(error).splitlines()[0][:300] if str(error) else ""
    return f"{type(error).__name__}" + (f" {status}" if status else "") + (f": {text}" if text else "")
