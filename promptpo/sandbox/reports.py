"""Strict reading of what a job reports to the optimiser: the trusted side believes nothing it receives.

A job's host runs no generated code, but it handles the messages of a worker that does; so, as a second line, every
report it sends is checked against its schema (exact keys, types, ranges, seeds in job order, bounded strings and
lists) and turned into plain records. Anything else raises `MalformedReport`, which the pool turns into a failure
record of that candidate and a killed job, never an exception in the optimiser. The host reads the worker's own
failure records with `failure_from` and `layers_from` too.
"""

from __future__ import annotations

import math
import typing
from dataclasses import fields
from typing import Any

from promptpo.rollout import Episode
from promptpo.sandbox.records import EvalJob, EvalResult, Failure, FailureKind

MAX_EPISODE_STEPS = 10_000_000  # far above any task's horizon
MAX_OUTPUT_CHARS = 10_000  # what the worker keeps of the code's prints
MAX_FEEDBACK_CHARS = 2_000  # one Feedback summary line
MAX_LAYER_ENTRIES = 16
MAX_METRICS = 16  # secondary metrics of one episode

_EPISODE_KEYS = {f.name for f in fields(Episode)}
_RESULT_KEYS = {f.name for f in fields(EvalResult)}
_FAILURE_KINDS = set(typing.get_args(FailureKind))


class MalformedReport(ValueError):
    """A worker message that does not match its schema."""


def parse_episodes(message: dict[str, Any], job: EvalJob, done: int) -> tuple[list[Episode], int]:
    """An `episodes` progress message: (the newly finished episodes, the worker's env-step count so far).
    `done` is how many episodes were reported before; the new ones must carry the next seeds of the job."""
    _keys(message, {"type", "episodes", "env_steps"}, "episodes message")
    episodes = _episodes(message["episodes"], job, done)
    return episodes, _int(message["env_steps"], "env_steps", 0, MAX_EPISODE_STEPS * max(1, len(job.seeds)))


def parse_result(message: dict[str, Any], job: EvalJob) -> tuple[EvalResult, dict[str, bool | int]]:
    """A `result` message: the evaluation's result and the OS layers the worker reported as active."""
    _keys(message, {"type", "result", "layers"}, "result message")
    data = message["result"]
    if not isinstance(data, dict) or not set(data) <= _RESULT_KEYS:
        raise MalformedReport("the result is not an object with EvalResult's fields")
    episodes = _episodes(data.get("episodes", []), job, 0)
    feedback = data.get("feedback", [])
    if not isinstance(feedback, list) or len(feedback) > len(episodes):
        raise MalformedReport("feedback must be a list with at most one line per episode")
    result = EvalResult(
        episodes=episodes,
        env_steps=_int(data.get("env_steps", 0), "env_steps", 0, MAX_EPISODE_STEPS * max(1, len(job.seeds))),
        failure=_optional_failure(data.get("failure")),
        feedback=[_text(line, "feedback line")[:MAX_FEEDBACK_CHARS] for line in feedback],
        feedback_failure=_optional_failure(data.get("feedback_failure")),
        output=_text(data.get("output", ""), "output")[:MAX_OUTPUT_CHARS],
        wall_s=_number(data.get("wall_s", 0.0), "wall_s"),
        cpu_s=_number(data.get("cpu_s", 0.0), "cpu_s"),
    )
    return result, layers_from(message["layers"])


def _keys(message: Any, expected: set[str], what: str) -> None:
    if not isinstance(message, dict) or set(message) != expected:
        raise MalformedReport(f"{what} must have exactly the keys {sorted(expected)}")


def _episodes(value: Any, job: EvalJob, done: int) -> list[Episode]:
    if not isinstance(value, list) or done + len(value) > len(job.seeds):
        raise MalformedReport("episodes must be a list of at most one episode per seed of the job")
    episodes = []
    for offset, item in enumerate(value):
        _keys(item, _EPISODE_KEYS, "an episode")
        if item["seed"] != job.seeds[done + offset] or item["trajectory"] != []:
            raise MalformedReport("episodes must carry the job's seeds in order and no trajectory")
        episodes.append(
            Episode(
                seed=job.seeds[done + offset],
                episode_return=_number(item["episode_return"], "episode_return"),
                success=_bool(item["success"], "success"),
                steps=_int(item["steps"], "steps", 0, MAX_EPISODE_STEPS),
                terminated=_bool(item["terminated"], "terminated"),
                truncated=_bool(item["truncated"], "truncated"),
                metrics=_metrics(item["metrics"]),
            )
        )
    return episodes


def _metrics(value: Any) -> dict[str, float]:
    """An episode's secondary metrics: a small object of short names to numbers."""
    if not isinstance(value, dict) or len(value) > MAX_METRICS:
        raise MalformedReport(f"metrics must be an object of at most {MAX_METRICS} entries")
    for key in value:
        if not isinstance(key, str) or len(key) > 64:
            raise MalformedReport("metric names must be short strings")
    return {key: _number(item, f"metric {key}") for key, item in value.items()}


def _optional_failure(value: Any) -> Failure | None:
    return None if value is None else failure_from(value)


def failure_from(value: Any) -> Failure:
    """A failure record sent as {"kind", "message", "traceback"}; message and traceback are cut by `Failure`."""
    _keys(value, {"kind", "message", "traceback"}, "a failure")
    if value["kind"] not in _FAILURE_KINDS:
        raise MalformedReport("unknown failure kind")
    return Failure(value["kind"], _text(value["message"], "message"), _text(value["traceback"], "traceback"))


def layers_from(value: Any) -> dict[str, bool | int]:
    """The OS layers a worker reports as active: a small object of names to booleans or integers."""
    if not isinstance(value, dict) or len(value) > MAX_LAYER_ENTRIES:
        raise MalformedReport("layers must be a small object")
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > 64 or type(item) not in (bool, int):
            raise MalformedReport("layers must map short names to booleans or integers")
    return dict(value)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MalformedReport(f"{name} must be a string")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedReport(f"{name} must be a boolean")
    return value


def _int(value: Any, name: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise MalformedReport(f"{name} must be an integer in [{low}, {high}]")
    return value


def _number(value: Any, name: str) -> float:
    """A float; NaN and infinities are allowed (a diverging policy's return is a result, not a forgery)."""
    if type(value) not in (int, float):
        raise MalformedReport(f"{name} must be a number")
    number = float(value)
    if math.isnan(number) and name in ("wall_s", "cpu_s"):
        raise MalformedReport(f"{name} must not be NaN")
    return number
