"""The PromptPO loop with a canned LLM: repairs, winners, held-out scores, step accounting, prompts, resume."""

from __future__ import annotations

import json

import pytest

from promptpo.loop import Candidate, PromptPOConfig, best_selection_score, reported_winner, run_promptpo
from promptpo.rollout import evaluate, heldout_seeds, selection_seeds
from promptpo.sandbox import EvalResult, Limits, extract_code
from promptpo.tasks import get_task
from tests.doubles import CannedLLM

TASK = "noise_world_board_0"
DOWN_RIGHT = (
    "class Policy:\n    def __init__(self):\n        self.t = 0\n    def act(self, obs):\n"
    "        self.t += 1\n        return 1 if self.t % 2 else 3\n"
)
RIGHT_DOWN = (
    "class Policy:\n    def __init__(self):\n        self.t = 0\n    def act(self, obs):\n"
    "        self.t += 1\n        return 3 if self.t % 2 else 1\n"
)
FEEDBACK = (
    "class Feedback:\n    def summarize_trajectory(self, traj):\n"
    "        return f'steps={len(traj)} total={sum(t.reward for t in traj):.1f}'\n"
)
LOOPING = "class Policy:\n    def act(self, obs):\n        while True:\n            pass\n"
FAST = Limits(init_timeout_s=1.0, act_timeout_s=0.3, episode_timeout_s=3.0, feedback_timeout_s=1.0, memory_mb=512)


def block(code: str) -> str:
    return f"Here is my policy.\n```python\n{code}```\n"


def script(tag, messages):
    """Round 1: sample 0 good, sample 1 a syntax error that one repair fixes, sample 2 loops and stays broken.
    Round 2: all samples good. The summariser is fine."""
    if tag.purpose == "feedback":
        return block(FEEDBACK)
    if tag.purpose == "reflection":
        return "The winner moves along the diagonal; try the other order."
    if tag.purpose == "repair":
        return block(RIGHT_DOWN) if tag.sample == 1 else "I cannot fix it."
    if tag.round == 1:
        return block([DOWN_RIGHT, "class Policy:\n    def act(self, obs)\n        return 1\n", LOOPING][tag.sample])
    return block(RIGHT_DOWN if tag.sample == 0 else DOWN_RIGHT)


def config(**overrides) -> PromptPOConfig:
    base = dict(task=TASK, rounds=2, n_gens=3, episodes=3, heldout_episodes=4, max_repairs=2, limits=FAST, workers=2)
    return PromptPOConfig(**{**base, **overrides})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    llm = CannedLLM(script)
    return run_promptpo(config(), llm=llm, runs_dir=tmp_path_factory.mktemp("runs"), progress=False), llm


def trusted_returns(code: str, seeds: list[int]) -> list[float]:
    namespace: dict = {}
    exec(code, namespace)
    return [e.episode_return for e in evaluate(get_task(TASK), lambda: namespace["Policy"]().act, seeds)]


def test_failures_are_records_and_repairs_are_bounded(run):
    result, llm = run
    round_one = [c for c in result.candidates if c.round == 1]
    kinds = {(c.sample, c.attempt): c.result.failure.kind if c.result.failure else None for c in round_one}
    assert kinds == {
        (0, 0): None,
        (1, 0): "syntax_error",
        (1, 1): None,  # repaired at the first attempt
        (2, 0): "timeout",
        (2, 1): "no_code_block",
        (2, 2): "no_code_block",  # max_repairs = 2, then given up
    }
    repairs = [tag for tag, _ in llm.calls if tag.purpose == "repair"]
    assert sorted((t.sample, t.attempt) for t in repairs) == [(1, 1), (2, 1), (2, 2)]
    assert result.rounds[0].failures == {"no_code_block": 1} and result.rounds[0].candidates_ok == 2


def test_winner_scores_match_trusted_rollouts_on_selection_and_heldout_seeds(run):
    result, _ = run
    for row in result.rounds:
        winner = next(
            c
            for c in result.candidates
            if (c.round, c.sample, c.attempt) == (row.round, row.winner_sample, row.winner_attempt)
        )
        selection = trusted_returns(winner.code, selection_seeds(row.round, 3))
        assert row.selection_score == pytest.approx(sum(selection) / 3)
        heldout = trusted_returns(winner.code, heldout_seeds(4))
        assert row.heldout_score == pytest.approx(sum(heldout) / 4)
        assert winner.score == max(c.score for c in result.candidates if c.round == row.round and c.score is not None)
    assert result.best is not None and result.last is not None and result.last.round == 2
    by_selection = max(result.rounds, key=lambda row: (row.selection_score, -row.round))
    assert (result.best.round, result.best.score) == (by_selection.round, by_selection.selection_score)
    last = result.rounds[-1]
    assert (last.reported_round, last.reported_heldout) == (by_selection.round, by_selection.heldout_score)


def test_the_reported_policy_is_chosen_on_selection_scores_never_on_heldout_ones():
    def winner(round_index: int, selection: float | None) -> Candidate:
        return Candidate(round_index, 0, 0, "code", EvalResult([], 0), selection, f"key{round_index}")

    # Round 2 would win on held-out scores; the rule never sees them. Ties go to the earliest round.
    assert reported_winner([winner(1, 5.0), winner(2, 3.0)]).round == 1
    assert reported_winner([winner(1, 2.0), winner(2, 2.0), winner(3, 1.0)]).round == 1
    assert reported_winner([winner(1, None), winner(2, -4.0)]).round == 2
    assert reported_winner([]) is None


def test_env_steps_count_every_rollout_including_failures_and_the_summariser_check(run):
    result, _ = run
    counted = sum(c.result.env_steps for c in result.candidates) + 25  # one random-policy episode, horizon 25
    timeout_steps = next(c for c in result.candidates if c.result.failure and c.result.failure.kind == "timeout")
    assert timeout_steps.result.env_steps == 0  # it never returned an action
    assert result.rounds[-1].env_steps == counted
    assert result.rounds[0].env_steps < result.rounds[1].env_steps


def test_round_two_prompt_has_reflection_history_returns_and_feedback(run):
    result, llm = run
    [(_, messages)] = [(t, m) for t, m in llm.calls if t.purpose == "policy" and t.round == 2 and t.sample == 0]
    prompt = messages[-1][1]
    first_winner = next(
        c
        for c in result.candidates
        if c.round == 1 and c.sample == result.rounds[0].winner_sample and c.attempt == result.rounds[0].winner_attempt
    )
    assert "The winner moves along the diagonal" in prompt
    assert first_winner.code.strip() in prompt
    assert "Episode returns: [" in prompt and "Episode 1 feedback: steps=" in prompt
    assert "## Observation" in prompt and "class NoiseWorldObservation" in prompt
    assert [t.round for t, _ in llm.calls if t.purpose == "reflection"] == [2]


def test_run_folder_holds_config_code_prompts_and_table(run):
    result, _ = run
    from pathlib import Path

    folder = Path(result.run_dir)
    saved = json.loads((folder / "config.json").read_text())
    assert saved["task"] == TASK and saved["n_gens"] == 3 and saved["limits"]["act_timeout_s"] == 0.3
    assert (folder / "prompts" / "r02_policy.md").exists()
    assert (folder / "candidates" / "r01_s01_a01.py").read_text() == RIGHT_DOWN
    failure = json.loads((folder / "candidates" / "r01_s02_a02.json").read_text())["result"]["failure"]
    assert failure["kind"] == "no_code_block"
    assert (folder / "rounds.csv").read_text().count("\n") == 3
    summary = json.loads((folder / "result.json").read_text())
    assert summary["best"]["code"] == result.best.code and summary["ledger"]["calls"] == len(run[1].calls)


def test_garbage_from_the_llm_never_aborts_a_run(tmp_path):
    llm = CannedLLM(lambda tag, messages: "no code, sorry")
    result = run_promptpo(config(max_repairs=1), llm=llm, runs_dir=tmp_path, progress=False)
    assert len(result.rounds) == 2 and result.best is None and result.feedback_code is None
    assert all(row.winner_sample is None and row.candidates_failed == 3 for row in result.rounds)
    feedback_calls = [t for t, _ in llm.calls if t.purpose.startswith("feedback")]
    assert len(feedback_calls) == 4  # first try + feedback_repairs (3)


def test_resumed_run_reuses_finished_evaluations(tmp_path):
    first = run_promptpo(config(rounds=1, feedback=False), llm=CannedLLM(script), runs_dir=tmp_path, progress=False)
    evaluations = sorted((tmp_path / TASK).rglob("evaluations/*.json"))
    stamps = [path.stat().st_mtime_ns for path in evaluations]
    second = run_promptpo(config(rounds=1, feedback=False), llm=CannedLLM(script), runs_dir=tmp_path, progress=False)
    assert second.run_dir == first.run_dir and second.rounds == first.rounds
    assert [path.stat().st_mtime_ns for path in evaluations] == stamps  # nothing was evaluated again


def test_a_reply_cut_at_the_token_limit_is_truncated_and_its_repair_asks_for_a_shorter_class(tmp_path):
    def cut_then_short(tag, messages):
        if tag.purpose == "feedback":
            return block(FEEDBACK)
        if tag.purpose == "repair":
            return block(DOWN_RIGHT)
        return "Here is a long plan.\n```python\nclass Policy:\n    def act(self, obs):\n        return", "length"

    llm = CannedLLM(cut_then_short)
    result = run_promptpo(config(rounds=1, n_gens=2), llm=llm, runs_dir=tmp_path, progress=False)
    first = [c for c in result.candidates if c.attempt == 0]
    assert [c.result.failure.kind for c in first] == ["truncated", "truncated"]
    assert f"{CannedLLM.MAX_TOKENS} tokens" in first[0].result.failure.message
    repairs = [messages[-1][1] for tag, messages in llm.calls if tag.purpose == "repair"]
    assert len(repairs) == 2 and all("shorter but complete class" in text for text in repairs)
    assert result.ledger["truncated"] == 2
    assert result.rounds[0].truncated_replies == 2 and result.rounds[0].candidates_ok == 2


def test_a_loop_variant_picks_its_own_winner_and_extracts_its_own_code(tmp_path):
    """The two replaceable parts: a rule that picks the worst runnable candidate (ties: the last), and an extractor
    that sees every policy reply before the default one does."""
    seen = []

    def worst(candidates):
        scored = [c for c in candidates if c.score is not None]
        return min(scored, key=lambda c: (c.score, -c.sample)) if scored else None

    def extract(reply, class_name, *, cut_at_tokens=None):
        seen.append(reply)
        return extract_code(reply, class_name, cut_at_tokens=cut_at_tokens)

    up = "class Policy:\n    def act(self, obs):\n        return 0\n"
    result = run_promptpo(
        config(rounds=1, feedback=False, max_repairs=0),
        llm=CannedLLM(lambda tag, messages: block([DOWN_RIGHT, RIGHT_DOWN, up][tag.sample])),
        runs_dir=tmp_path,
        progress=False,
        pick_winner=worst,
        extract=extract,
    )
    [row] = result.rounds
    ran = [c for c in result.candidates if c.score is not None]
    assert row.winner_sample == min(ran, key=lambda c: (c.score, -c.sample)).sample
    assert row.winner_sample != best_selection_score(result.candidates).sample
    assert len(seen) == 3
