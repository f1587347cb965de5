"""`promptpo evaluate --json` and its seed base: what a grader reads, whatever the policy file does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from promptpo.grading import SEED_ENV, SEED_FILE_ENV, EvaluateConfig, SeedError, seed_base
from promptpo.sandbox.requirements import describe_missing, missing_layers

ALTERNATE = (
    "class Policy:\n    def __init__(self):\n        self.t = 0\n    def act(self, obs):\n        self.t += 1\n"
    "        return 1 if self.t % 2 else 3\n"
)


def evaluate(policy, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "promptpo", "evaluate", str(policy), "--json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    return completed.returncode, json.loads(completed.stdout)


def test_json_report_of_a_running_policy(tmp_path):
    policy = tmp_path / "policy.py"
    policy.write_text(ALTERNATE)
    code, report = evaluate(policy, "--task", "noise_world_board_0", "--episodes", "3")
    assert code == 0 and report["failure"] is None
    assert len(report["returns"]) == len(report["successes"]) == 3
    assert report["score"] == pytest.approx(sum(report["returns"]) / 3)
    assert report["seed_source"] == "default" and report["env_steps"] > 0


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("import os\n" + ALTERNATE, "forbidden_import"),
        ("class Policy:\n    def act(self, obs):\n        while True:\n            pass\n", "timeout"),
        ("class Policy:\n    def act(self, obs):\n        obs.board[0] = 4.0\n        return 1\n", "act_error"),
        ("class Policy:\n    def act(self, obs):\n        return 1 / 0\n", "act_error"),
    ],
    ids=["forbidden-import", "loops", "writes-its-observation", "raises"],
)
def test_a_failing_policy_is_a_failure_record_with_no_score(tmp_path, body, kind):
    policy = tmp_path / "policy.py"
    policy.write_text(body)
    code, report = evaluate(policy, "--task", "noise_world_board_0", "--episodes", "2")
    assert code == 1 and report["score"] is None
    assert report["failure"]["kind"] == kind and report["failure"]["message"]


def test_seed_base_precedence_and_errors(tmp_path):
    secret = tmp_path / "seed"
    secret.write_text("4242\n")
    config = EvaluateConfig(policy=tmp_path / "p.py", task="noise_world_board_0")
    assert seed_base(config, {}) == (0, "default")
    assert seed_base(config, {SEED_FILE_ENV: str(secret)}) == (4242, f"${SEED_FILE_ENV}")
    assert seed_base(config, {SEED_ENV: "7", SEED_FILE_ENV: str(secret)}) == (7, f"${SEED_ENV}")
    with_file = EvaluateConfig(policy=config.policy, task=config.task, seed_file=secret)
    assert seed_base(with_file, {SEED_ENV: "7"}) == (4242, "--seed-file")
    explicit = EvaluateConfig(policy=config.policy, task=config.task, seed=3)
    assert seed_base(explicit, {SEED_ENV: "7"}) == (3, "--seed")
    for bad in ("", "-1", "twelve"):
        with pytest.raises(SeedError):
            seed_base(config, {SEED_ENV: bad})
    with pytest.raises(SeedError, match="cannot read"):
        seed_base(config, {SEED_FILE_ENV: str(tmp_path / "missing")})


def test_the_secret_seed_base_moves_the_held_out_episodes_and_is_never_reported(tmp_path):
    """Board 1 is stochastic: the same policy on another seed base has other returns; the report names only the
    variable the base came from."""
    policy = tmp_path / "policy.py"
    policy.write_text(ALTERNATE)
    base = {"PATH": "/usr/bin:/bin"}
    _, default = evaluate(policy, "--task", "noise_world_board_1", "--episodes", "6", env=base)
    _, secret = evaluate(policy, "--task", "noise_world_board_1", "--episodes", "6", env={**base, SEED_ENV: "31337"})
    _, again = evaluate(policy, "--task", "noise_world_board_1", "--episodes", "6", env={**base, SEED_ENV: "31337"})
    assert secret["seed_source"] == f"${SEED_ENV}" and "31337" not in json.dumps(secret)
    assert secret["returns"] == again["returns"] != default["returns"]


def test_a_kernel_without_landlock_or_seccomp_is_named_in_the_start_message(monkeypatch, tmp_path):
    from promptpo.sandbox import requirements

    monkeypatch.setattr(requirements, "landlock_abi", lambda: 0)
    monkeypatch.setattr(requirements, "SECCOMP_ACTIONS", tmp_path / "absent")
    gaps = missing_layers()
    message = describe_missing(gaps)
    assert len(gaps) == 2 and "Landlock" in gaps[0] and "seccomp" in gaps[1]
    assert message.startswith("warning:") and message.count("\n  - ") == 2
    assert describe_missing([]) == ""
