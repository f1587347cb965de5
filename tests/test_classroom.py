"""The classroom helpers the assignments call: time limits, pass marks and messages, the zero-action reference,
committed scores and transcripts."""

from __future__ import annotations

import signal
import time

import pytest

from promptpo import classroom
from promptpo.paths import TRANSCRIPTS_DIR
from promptpo.references import zero_action_policy
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.tasks import get_task

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def test_time_limited_stops_a_loop_and_restores_the_alarm_handler():
    def spin():
        while True:
            pass

    before = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="spin ran longer than 0.2 s: zero for this part"):
        classroom.time_limited(spin, 0.2)()
    assert time.monotonic() - started < 5 and signal.getsignal(signal.SIGALRM) is before
    assert classroom.time_limited(lambda x: x + 1, 1)(41) == 42


def test_pass_marks_and_messages():
    ran = {"score": 0.5, "returns": [0.0, 1.0], "failure": None}
    failed = {"score": None, "returns": [1.0], "failure": {"kind": "timeout", "message": "act took too long"}}
    assert classroom.passes(ran, 0.5) and not classroom.passes(ran, 0.5, strict=True)
    assert not classroom.passes(failed, float("-inf"))
    assert classroom.explain(ran, 0.5, "part", strict=True) == "part: 0.5 over 2 episodes; needed more than 0.5"
    assert classroom.explain(failed, 0.5, "part") == (
        "part: zero for this part, failed after 1 episode(s): timeout: act took too long"
    )


def test_a_missing_policy_file_is_a_failed_report_not_an_exception(tmp_path):
    report = classroom.evaluate_file(tmp_path / "never_written.py", "noise_world_board_0", 2, hidden=False)
    assert report["score"] is None and report["failure"]["kind"] == "missing_file"


def test_the_zero_action_reference_scores_as_the_trusted_reference_does():
    task = get_task("mujoco_swimmer")
    trusted = evaluate(task, zero_action_policy(task), heldout_seeds(2, classroom.PUBLIC_SEED_BASE))
    report = classroom.zero_action_report(task.name, 2, hidden=False)
    assert report["failure"] is None
    assert report["returns"] == pytest.approx([episode.episode_return for episode in trusted])


def test_committed_scores_name_what_is_missing():
    assert 0.0 <= classroom.committed_score("metaworld", "metaworld_button_press", "PPO") <= 1.0
    assert classroom.committed_score("mujoco", "mujoco_ant", "zero action") > 0  # standing still earns every step
    with pytest.raises(LookupError, match="no committed zero action score for noise_world_board_1"):
        classroom.committed_score("hard_exploration", "noise_world_board_1", "zero action")  # Discrete: no zero


def test_model_policies_screens_every_round_one_policy_reply():
    task = "noise_world_board_1"
    found = classroom.model_policies(MODEL, task)
    assert len(found) == len(list((TRANSCRIPTS_DIR / MODEL / task).glob("r01_policy_*.json"))) > 0
    runnable = [code for _, code, failure in found if failure is None]
    assert runnable and all("class Policy" in code for code in runnable)
