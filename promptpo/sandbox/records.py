"""Plain-data records that cross the sandbox boundary: jobs, limits, failures and results."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from promptpo.rollout import Episode

FailureKind = Literal[
    "truncated",  # the reply hit the token limit (finish_reason "length") before its code was complete
    "no_code_block",  # the reply has no fenced code block
    "syntax_error",
    "missing_class",  # no class with the required method
    "forbidden_import",  # an import outside the allowlist
    "forbidden_code",  # a forbidden builtin or attribute (eval, open, __class__, frames, ...)
    "init_error",  # exception while running the module or the class's __init__
    "act_error",  # exception in act() (including writes to the read-only observation)
    "invalid_action",  # act() returned something the action space rejects
    "timeout",  # a wall-clock limit was exceeded
    "memory_limit",  # the memory limit was exceeded
    "output_limit",  # the code printed more than the output limit
    "sandbox_violation",  # the OS refused an operation (process, socket, file write, signal)
    "crash",  # the worker process died without reporting (e.g. a segfault in a C extension)
    "feedback_error",  # the Feedback summariser raised (the candidate itself may be fine)
]


MAX_FAILURE_CHARS = 4_000  # of a message and of a traceback: what is stored, printed and put into a repair prompt


@dataclass(frozen=True)
class Failure:
    """Why a candidate (or a Feedback summariser) failed; `traceback` shows only frames of the generated code.
    Message and traceback are cut to MAX_FAILURE_CHARS each (generated code chooses its exception messages)."""

    kind: FailureKind
    message: str
    traceback: str = ""

    def __post_init__(self) -> None:
        for name in ("message", "traceback"):
            object.__setattr__(self, name, _cut(mask_addresses(getattr(self, name))))

    def describe(self) -> str:
        text = f"{self.kind}: {self.message}"
        return f"{text}\n{self.traceback}" if self.traceback else text


_ADDRESS = re.compile(r"(?<=\bat )0x[0-9a-f]{4,}\b")


def mask_addresses(text: str) -> str:
    """`text` with the memory addresses of Python reprs (`<function f at 0x7f01...>`) replaced by `0x...`. They
    differ from run to run, and a failure message or Feedback line goes into the next prompt, whose text keys the
    recorded reply: an address in it would make the run impossible to replay."""
    return _ADDRESS.sub("0x...", text)


def _cut(text: str) -> str:
    if len(text) <= MAX_FAILURE_CHARS:
        return text
    return f"{text[:MAX_FAILURE_CHARS]} [... {len(text) - MAX_FAILURE_CHARS} more characters cut]"


@dataclass(frozen=True)
class Limits:
    """Per-candidate resource limits. Times are wall-clock seconds; memory is what the generated code may
    allocate on top of the worker's own footprint."""

    init_timeout_s: float = 10.0  # executing the module and one __init__
    act_timeout_s: float = 1.0  # one act() call
    episode_timeout_s: float = 60.0  # one whole episode (policy and simulator)
    feedback_timeout_s: float = 10.0  # one summarize_trajectory() call
    memory_mb: int = 2048
    output_chars: int = 100_000  # printed characters before the candidate fails with output_limit


@dataclass(frozen=True)
class EvalJob:
    """Evaluate `code` (defining `class_name` with act(obs)) on `task` for one episode per seed.

    If `feedback_code` (defining `Feedback` with summarize_trajectory(traj)) is given, it summarises every
    completed episode. `policy_code=None` evaluates a uniformly random policy (used to test a summariser).
    """

    task: str
    code: str | None
    class_name: str
    seeds: tuple[int, ...]
    feedback_code: str | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass
class EvalResult:
    """What one sandboxed evaluation produced. `env_steps` counts every env.step, including those of an episode
    cut short by a failure."""

    episodes: list[Episode] = field(default_factory=list)  # summaries: `trajectory` stays empty
    env_steps: int = 0
    failure: Failure | None = None
    feedback: list[str] = field(default_factory=list)  # one line per completed episode
    feedback_failure: Failure | None = None
    output: str = ""  # what the code printed (truncated)
    wall_s: float = 0.0
    cpu_s: float = 0.0  # CPU seconds of the job's host and worker processes (0.0 when the job was killed)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalResult:
        return cls(
            episodes=[Episode(**episode) for episode in data.get("episodes", [])],
            env_steps=int(data.get("env_steps", 0)),
            failure=Failure(**data["failure"]) if data.get("failure") else None,
            feedback=[str(line) for line in data.get("feedback", [])],
            feedback_failure=Failure(**data["feedback_failure"]) if data.get("feedback_failure") else None,
            output=str(data.get("output", "")),
            wall_s=float(data.get("wall_s", 0.0)),
            cpu_s=float(data.get("cpu_s", 0.0)),
        )
