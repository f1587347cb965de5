"""LLM access: OpenAI-compatible endpoints, replayable transcripts, usage ledger and a local llama.cpp server."""

from promptpo.llm.client import LLMUnavailable, RetryPolicy
from promptpo.llm.ledger import Ledger
from promptpo.llm.local_server import LocalServer, LocalServerUnavailable, ServerSettings
from promptpo.llm.session import LLM, ChatReply, LLMConfig, LLMMode, TranscriptMissing
from promptpo.llm.transcripts import CallTag, ChatRequest, Messages, Transcript, TranscriptStore

__all__ = [
    "LLM",
    "CallTag",
    "ChatReply",
    "ChatRequest",
    "LLMConfig",
    "LLMMode",
    "LLMUnavailable",
    "Ledger",
    "LocalServer",
    "LocalServerUnavailable",
    "Messages",
    "RetryPolicy",
    "ServerSettings",
    "Transcript",
    "TranscriptMissing",
    "TranscriptStore",
]
