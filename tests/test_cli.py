"""The `promptpo` command line as a user types it."""

from __future__ import annotations

import subprocess
import sys

GOOD = (
    "class Policy:\n    def __init__(self):\n        self.t = 0\n    def act(self, obs):\n        self.t += 1\n"
    "        return 1 if self.t % 2 else 3\n"
)


def promptpo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "promptpo", *args], capture_output=True, text=True, timeout=300)


def test_evaluate_scores_a_policy_file_on_held_out_seeds(tmp_path):
    policy = tmp_path / "policy.py"
    policy.write_text(GOOD)
    completed = promptpo("evaluate", str(policy), "--task", "noise_world_board_0", "--episodes", "4")
    assert completed.returncode == 0, completed.stderr
    assert (
        completed.stdout.startswith("noise_world_board_0: mean return")
        and "over 4 held-out episodes" in completed.stdout
    )


def test_evaluate_reports_a_failure_record_and_exits_nonzero(tmp_path):
    policy = tmp_path / "policy.py"
    policy.write_text("import os\n" + GOOD)
    completed = promptpo("evaluate", str(policy), "--task", "noise_world_board_0")
    assert completed.returncode == 1 and "FAILED" in completed.stdout and "forbidden_import" in completed.stdout


def test_replay_without_transcripts_explains_how_to_record(tmp_path):
    completed = promptpo(
        "run",
        "--task",
        "noise_world_board_0",
        "--rounds",
        "1",
        "--n-gens",
        "1",
        "--no-feedback",
        "--transcripts-dir",
        str(tmp_path / "none"),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--quiet",
    )
    assert completed.returncode != 0
    assert "no recorded reply for task 'noise_world_board_0', round 1, sample 0" in completed.stderr
    assert "--llm-mode record" in completed.stderr


def test_unknown_command_prints_usage():
    completed = promptpo("frobnicate")
    assert completed.returncode == 2 and "usage: promptpo COMMAND" in completed.stdout


def test_grid_lists_may_be_space_or_comma_separated_and_a_wrong_element_is_named(tmp_path):
    base = ("grid", "hard_exploration", "--methods", "reference", "--results-dir", str(tmp_path))
    for tasks in (["noise_world_board_1,bogus"], ["noise_world_board_1", "bogus"]):
        completed = promptpo(*base, "--tasks", *tasks)
        assert completed.returncode != 0 and "Traceback" not in completed.stderr
        assert completed.stderr.startswith("error: tasks: 'bogus' is not a hard_exploration task"), completed.stderr
    completed = promptpo(*base, "--seeds", "0,x")
    assert completed.stderr.startswith("error: seeds: expected one or more int values"), completed.stderr
