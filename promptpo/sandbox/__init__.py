"""Sandboxed evaluation of LLM-written code: static checks, confined worker processes, structured failures."""

from promptpo.sandbox.pool import Sandbox, SandboxUnavailable
from promptpo.sandbox.records import EvalJob, EvalResult, Failure, FailureKind, Limits
from promptpo.sandbox.static_checks import check_source, extract_code

__all__ = [
    "EvalJob",
    "EvalResult",
    "Failure",
    "FailureKind",
    "Limits",
    "Sandbox",
    "SandboxUnavailable",
    "check_source",
    "extract_code",
]
