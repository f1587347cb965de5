"""The trusted side believes nothing it receives: forged, malformed, oversized or endless messages end as a failure
record of that candidate, within the job's absolute time limit, and the optimiser carries on. Two boundaries: the
job's host reads the confined worker's packets (`link.py`); the pool reads the host's reports (`reports.py`)."""

from __future__ import annotations

import json
import resource
import time

import pytest

from promptpo.evaluation import evaluate_codes, screen
from promptpo.rollout import Episode
from promptpo.sandbox import EvalJob, Failure, Limits, Sandbox
from promptpo.sandbox.channel import MAX_MESSAGE_BYTES, MAX_STREAM_BYTES, Reader
from promptpo.sandbox.pool import job_time_limit
from promptpo.sandbox.records import MAX_FAILURE_CHARS
from promptpo.sandbox.reports import MalformedReport, parse_episodes, parse_result
from promptpo.tasks import get_task

GRID = "noise_world_board_1"
LIMITS = Limits(init_timeout_s=1.0, act_timeout_s=0.5, episode_timeout_s=2.0, feedback_timeout_s=1.0, memory_mb=512)
JOB = EvalJob(task=GRID, code="", class_name="Policy", seeds=(5, 6))
EPISODE = {
    "seed": 5,
    "episode_return": 1.5,
    "success": False,
    "steps": 3,
    "terminated": True,
    "truncated": False,
    "metrics": {"time_in_range": 0.5},
}


def frame(message: dict | bytes) -> bytes:
    payload = message if isinstance(message, bytes) else json.dumps(message).encode()
    return len(payload).to_bytes(4, "big") + payload


# ---- schema checks, without a worker ----------------------------------------------------------------------------


def test_a_well_formed_progress_message_is_read_as_episodes():
    episodes, steps = parse_episodes(
        {"type": "episodes", "episodes": [{**EPISODE, "trajectory": []}], "env_steps": 3}, JOB, 0
    )
    assert episodes == [Episode(**EPISODE)] and steps == 3


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},  # an unknown field
        {"seed": 6},  # a seed out of job order
        {"steps": -1},
        {"steps": True},  # a bool is not a step count
        {"success": 1},
        {"episode_return": "999"},
        {"trajectory": [1]},
        {"metrics": [0.5]},
        {"metrics": {"time_in_range": "0.5"}},
        {"metrics": {f"m{i}": 0.0 for i in range(17)}},
    ],
    ids=[
        "unknown field",
        "wrong seed",
        "negative steps",
        "bool steps",
        "int success",
        "string return",
        "trajectory",
        "metrics list",
        "string metric",
        "too many metrics",
    ],
)
def test_a_malformed_episode_is_refused(change):
    episode = {**EPISODE, "trajectory": [], **change}
    with pytest.raises(MalformedReport):
        parse_episodes({"type": "episodes", "episodes": [episode], "env_steps": 3}, JOB, 0)


def test_more_episodes_than_seeds_are_refused():
    episodes = [{**EPISODE, "trajectory": [], "seed": seed} for seed in (5, 6, 7)]
    with pytest.raises(MalformedReport):
        parse_episodes({"type": "episodes", "episodes": episodes, "env_steps": 9}, JOB, 0)


def test_a_result_is_checked_and_its_strings_are_capped():
    huge = "x" * 100_000
    message = {
        "type": "result",
        "result": {"failure": {"kind": "act_error", "message": huge, "traceback": huge}, "output": huge},
        "layers": {"seccomp": True, "landlock_abi": 6},
    }
    result, layers = parse_result(message, JOB)
    assert (
        len(result.failure.message) < MAX_FAILURE_CHARS + 100
        and len(result.failure.traceback) < MAX_FAILURE_CHARS + 100
    )
    assert len(result.output) == 10_000 and layers == {"seccomp": True, "landlock_abi": 6}
    for bad in ({"failure": {"kind": "forged", "message": "", "traceback": ""}}, {"score": 1e9}, {"feedback": ["a"]}):
        with pytest.raises(MalformedReport):
            parse_result({"type": "result", "result": bad, "layers": {}}, JOB)


def test_failure_messages_are_cut_wherever_they_are_made():
    failure = Failure("act_error", "m" * 60_000_000, "t" * 10)
    assert len(failure.message) < MAX_FAILURE_CHARS + 100 and failure.message.endswith("characters cut]")


def test_the_reader_refuses_oversized_deep_and_endless_streams():
    with pytest.raises(ValueError, match="exceeds"):
        Reader().feed((MAX_MESSAGE_BYTES + 1).to_bytes(4, "big"))
    with pytest.raises(ValueError, match="nests too deeply"):
        Reader().feed(frame(b"[" * 100_000 + b"]" * 100_000))
    reader, chunk = Reader(), frame({"type": "x", "pad": "p" * (1 << 20)})
    with pytest.raises(ValueError, match="more than"):
        for _ in range(MAX_STREAM_BYTES // len(chunk) + 2):
            reader.feed(chunk)


# ---- forged reports from inside a real worker --------------------------------------------------------------------

# Generated code that reaches the real `os` through an allowed module (numpy's ctypes helper) and writes its own
# length-prefixed messages to every descriptor the worker holds, the link to its host among them (the pool's
# socket is not: only the host holds it). The Python guard may one day refuse this path; then these cases test
# nothing new, so the first test checks that the path still exists.
FORGER = """
import numpy as np
class Policy:
    def act(self, obs):
        os = np.zeros(1).ctypes._ctypes._os
        for payload in PAYLOADS:
            for fd in range(3, 64):
                try:
                    os.write(fd, len(payload).to_bytes(4, "little") + payload)
                except Exception:
                    pass
        PAUSE
        return 1
"""


def forged(payloads: list[bytes] | str, pause: str = "pass") -> str:
    """Forging code for `payloads`: byte strings, or the source of an expression that builds them in the worker."""
    return FORGER.replace("PAYLOADS", payloads if isinstance(payloads, str) else repr(payloads)).replace("PAUSE", pause)


def evaluate_one(code: str, seeds=(11,), limits: Limits = LIMITS):
    reply, task = f"```python\n{code}```", get_task(GRID)
    checked, failure = screen(reply, "Policy", "act")
    with Sandbox([GRID], workers=1) as sandbox:
        started = time.monotonic()
        [result] = evaluate_codes(sandbox, task, [failure or checked], list(seeds), limits=limits)
        return result, time.monotonic() - started


def test_generated_code_can_still_reach_the_link_to_its_host():
    result, _ = evaluate_one(forged([b"r{}"]))  # a second "ready" where an action is due
    assert result.failure is not None and result.failure.kind == "crash", "the forging path is closed: rewrite these"


@pytest.mark.parametrize(
    "payload",
    [
        b"x" + json.dumps({"kind": "act_error", "message": "m", "traceback": "", "score": 1e9}).encode(),
        '[b"x" + b"[" * 60_000 + b"]" * 60_000]',
        b"xnot json",
        b"a" + bytes(3),  # an action of the wrong size
        b"?" + bytes(8),  # an unknown tag
    ],
    ids=["unknown field", "deep nesting", "not json", "short action", "unknown tag"],
)
def test_a_forged_malformed_report_is_a_crash_record_and_the_parent_carries_on(payload):
    result, elapsed = evaluate_one(forged(payload if isinstance(payload, str) else [payload]))
    assert result.failure is not None and result.failure.kind == "crash"
    assert "malformed" in result.failure.message and elapsed < 10
    assert result.episodes == [] and result.env_steps == 0  # the forged packet arrived where the first action was due


def test_huge_packets_do_not_grow_the_parent():
    """60 MB packets cannot even be sent on the link (the kernel refuses packets that large); whatever happens,
    the optimiser's memory stays flat and the evaluation ends."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    big = '[b"x" + b"p" * 60_000_000] * 3'
    result, elapsed = evaluate_one(forged(big), limits=Limits(act_timeout_s=10.0, memory_mb=1024))  # time to build
    assert elapsed < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: under 100 MB more


def test_a_policy_that_silences_its_timers_and_hangs_is_killed_within_the_absolute_limit():
    signal = "np.zeros(1).ctypes._ctypes._sys.modules['signal']"
    silence = f"{signal}.setitimer(0, 0, 0)\n        while True:\n            pass"
    result, elapsed = evaluate_one(forged([], pause=silence))
    limit = job_time_limit(EvalJob(GRID, "", "Policy", (11,), limits=LIMITS))
    assert result.failure is not None and result.failure.kind in ("timeout", "crash")
    assert elapsed < limit + 2.0 + 3.0 + 3.0  # the absolute limit, the watchdog's grace and its start slack
