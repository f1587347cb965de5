"""End to end through `promptpo run`: a recording run killed mid-way resumes without asking any answered request
again, and its results equal those of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.doubles import FaultyOpenAIServer

POLICIES = [
    "class Policy:\n    def __init__(self):\n        self.t = 0\n    def act(self, obs):\n        self.t += 1\n"
    "        return 1 if self.t % 2 else 3\n",
    "class Policy:\n    def act(self, obs):\n        return 3 if obs.agent_col < 1.0 else 1\n",
    "class Policy:\n    def act(self, obs):\n        return 1 if obs.agent_row < 1.0 else 3\n",
]
FEEDBACK = "class Feedback:\n    def summarize_trajectory(self, traj):\n        return f'steps={len(traj)}'\n"


def reply(body: dict) -> str:
    """A deterministic stand-in model: the kind of request decides the reply, the seed picks the policy."""
    prompt = body["messages"][-1]["content"]
    if "Compare the most recent winner" in prompt:
        return "Go along the edges; it is shorter."
    if "## What went wrong" in prompt and "class `Feedback`" in prompt:
        return f"```python\n{FEEDBACK}```"
    if "class `Feedback`" in prompt:
        return "```python\nclass Feedback:\n    def summarize_trajectory(self, traj):\n        return traj.missing\n```"
    return f"```python\n{POLICIES[body['seed'] % len(POLICIES)]}```"


def command(base_url: str, transcripts: str, runs: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "promptpo",
        "run",
        "--task",
        "noise_world_board_1",
        "--rounds",
        "2",
        "--n-gens",
        "3",
        "--episodes",
        "2",
        "--heldout-episodes",
        "3",
        "--max-repairs",
        "1",
        "--llm-mode",
        "record",
        "--base-url",
        base_url,
        "--model",
        "fake-model",
        "--transcripts-dir",
        transcripts,
        "--runs-dir",
        runs,
        "--concurrency",
        "1",
        "--quiet",
    ]


def last_rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_killed_recording_run_resumes_without_repeating_any_answered_request(tmp_path):
    transcripts, runs = str(tmp_path / "transcripts"), str(tmp_path / "runs")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # First attempt: the endpoint stops answering after 5 replies; we kill the run while it waits.
    with FaultyOpenAIServer(reply=reply, stall_after=5) as server:
        process = subprocess.Popen(command(server.base_url, transcripts, runs), env=env, stdout=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(server.requests) < 6 and time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before it could be interrupted"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        first = [json.dumps(body, sort_keys=True) for body in server.answered]
    assert len(first) == 5
    # Resume: same command, a fresh endpoint.
    with FaultyOpenAIServer(reply=reply) as server:
        completed = subprocess.run(
            command(server.base_url, transcripts, runs), env=env, capture_output=True, text=True, timeout=300
        )
        second = [json.dumps(body, sort_keys=True) for body in server.answered]
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert not set(first) & set(second), "an answered request reached the LLM again"
    assert len(set(first + second)) == len(first) + len(second)
    resumed = last_rows(completed.stdout)
    assert [row["round"] for row in resumed] == [1, 2]

    # The same run without interruption (fresh transcripts and run folder) gives the same table.
    fresh_transcripts, fresh_runs = str(tmp_path / "t2"), str(tmp_path / "r2")
    with FaultyOpenAIServer(reply=reply) as server:
        uninterrupted = subprocess.run(
            command(server.base_url, fresh_transcripts, fresh_runs),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert len(server.answered) == len(first) + len(second)
    assert last_rows(uninterrupted.stdout) == resumed
