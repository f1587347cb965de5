"""Tables and texts the notebooks show about PromptPO, on the recorded Qwen smoke runs replayed through the runner."""

from __future__ import annotations

import pandas as pd
import pytest

from promptpo import readme, report
from promptpo.experiments import grid
from promptpo.runner import run_grid


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    jobs = grid("hard_exploration", "smoke", methods=("promptpo", "reference"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMPTPO_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
        run_grid(jobs, folder, workers=2, progress=False)
    return report.Results.load(folder, {job.key for job in jobs}), folder


@pytest.mark.slow
def test_failure_table_accounts_for_every_reply_and_lists_truncated(replayed):
    results, _ = replayed
    table = report.failure_table(results)
    [model] = results.models
    kinds = [column for column in table.columns if column not in ("replies", "ran", "truncation rate")]
    assert kinds[0] == "truncated" and "syntax_error" in kinds
    assert (
        table.loc[model, "ran"] + table.loc[model, kinds].sum()
        == table.loc[model, "replies"]
        == len(results.candidates)
    )
    assert table.loc[model, "truncation rate"] == table.loc[model, "truncated"] / table.loc[model, "replies"]


@pytest.mark.slow
def test_best_policy_and_a_failed_reply_come_from_the_run(replayed):
    results, folder = replayed
    code = report.best_policy(results, folder)
    assert code.startswith("# PromptPO best policy for ") and "class Policy" in code
    text = report.failed_reply(results)
    kinds = set(results.candidates["failure_kind"]) - {""}
    first = text.splitlines()[0]
    assert first.startswith(f"{results.models[0]} on ") and any(f": {kind}: " in first for kind in kinds)
    assert "(its transcript is not in this checkout)" not in text and len(text.splitlines()) > 3


def test_the_budget_text_is_read_from_the_grid_jobs_so_it_follows_the_profile():
    text = report.budget_text(grid("hard_exploration", "default"))
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "PromptPO with qwen2.5-coder-1.5b-instruct-q4_k_m",
        "PromptPO with qwen2.5-coder-0.5b-instruct-q4_k_m",
        "PPO",
        "DQN",
    ]
    assert "3 rounds of 4 samples, up to 2 repairs" in lines[0] and "at most 2048 tokens at temperature 0.7" in lines[0]
    assert lines[2].startswith("PPO: 100,000 environment steps per seed, seeds [0, 1, 2]")
    changed = report.budget_text(grid("hard_exploration", "default", rounds=5, model="gpt-4o", methods=("promptpo",)))
    assert changed.startswith("PromptPO with gpt-4o: 5 rounds of 4 samples") and "\n" not in changed


def test_the_readme_results_summary_is_the_one_generated_from_the_committed_data():
    """Run `python -m promptpo.readme` after changing data/: no number in the README is written by hand."""
    assert readme.current(readme.README.read_text(encoding="utf-8")) == readme.section()


def test_the_headline_counts_tasks_against_random_standing_still_and_the_optimum():
    frame = pd.DataFrame
    references = frame(
        [
            {"job": "r", "task": "a", "reference": "random", "score": 0.0},
            {"job": "r", "task": "a", "reference": "zero action", "score": 5.0},
            {"job": "r", "task": "a", "reference": "optimal (exact V*)", "score": 10.0},
            {"job": "r", "task": "b", "reference": "random", "score": 0.0},
            {"job": "r", "task": "b", "reference": "optimal (exact V*)", "score": 10.0},
        ]
    )
    curves = frame(
        [  # the last evaluation counts: PPO ends at 6 on a (above standing still) and 9.5 on b
            {"job": "p", "task": "a", "algo": "ppo", "seed": 0, "env_steps": 10, "score": 9.0},
            {"job": "p", "task": "a", "algo": "ppo", "seed": 0, "env_steps": 20, "score": 6.0},
            {"job": "p", "task": "b", "algo": "ppo", "seed": 0, "env_steps": 20, "score": 9.5},
        ]
    )
    rounds = frame(
        [{"job": "q", "task": "a", "model": "m", "seed": 0, "round": 1, "reported_heldout": 4.0, "heldout_score": 4.0}]
    )
    results = report.Results(rounds, frame(columns=report.COLUMNS["promptpo_candidates"]), curves, references)
    table = report.headline_table(results, ["a", "b"])
    assert table.loc["PPO"].to_dict() == {
        "tasks with a score": "2 of 2",
        "above random": "2 of 2",
        "above zero action": "1 of 1",
        "at 50% of the optimum": "2 of 2",
        "at 90% of the optimum": "1 of 2",
    }
    promptpo = table.loc[report.promptpo_method("m")].to_dict()
    assert promptpo["tasks with a score"] == "1 of 2" and promptpo["above zero action"] == "0 of 1"
