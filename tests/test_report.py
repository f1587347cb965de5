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


def test_a_transient_dip_is_cut_off_and_named_and_bands_need_three_seeds():
    """Board 2's case: DQN dips to -33,000 for one evaluation while PPO climbs to the optimum; the panel keeps the
    optimum's scale, writes the dip, draws PPO's band (3 seeds) but not DQN's (2), and never joins step 0 to the
    first trained evaluation."""
    frame = pd.DataFrame
    references = frame(
        [
            {"job": "r", "task": "a", "reference": "random", "score": -7000.0},
            {"job": "r", "task": "a", "reference": "optimal (exact V*)", "score": 977.0},
        ]
    )
    curves = frame(
        [
            {"job": f"{algo}{seed}", "task": "a", "algo": algo, "seed": seed, "env_steps": step, "score": score}
            for algo, seeds, path in (("ppo", 3, (-100.0, -100.0, 950.0)), ("dqn", 2, (-100.0, -33000.0, -100.0)))
            for seed in range(seeds)
            for step, score in zip((0, 5000, 10000), path)
        ]
    )
    rounds = frame(
        [{"job": "q", "task": "a", "model": "m", "seed": 0, "round": 1, "env_steps": 900, "reported_heldout": 960.0}]
    ).assign(heldout_score=960.0)
    results = report.Results(rounds, frame(columns=report.COLUMNS["promptpo_candidates"]), curves, references)
    figure = report.plot_score_vs_steps(results, ["a"])
    ax = figure.axes[0]
    low, high = ax.get_ylim()
    assert -1000 < low < -100 and 977 < high < 1200  # the optimum's scale, not the dip's
    texts = [text.get_text() for text in ax.texts]
    assert "DQN down to -33,000 at 5,000 steps (off scale)" in texts and "random: -7,000 (off scale)" in texts
    assert len(ax.collections) == 1  # one band: PPO's
    assert all(0 not in line.get_xdata()[1:] for line in ax.lines if len(line.get_xdata()) > 1)
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels[:3] == ["PromptPO m (1 seed)", "PPO (3 seeds)", "DQN (2 seeds)"]


def test_metrics_table_averages_each_policy_over_its_episodes_and_seeds():
    """Glucose's clinical metrics: one row per reference, per PromptPO model and per RL algorithm, each the mean
    over every held-out episode of every seed; other tasks' rows stay out."""
    rows = [
        {"job": "r", "task": "g", "method": "reference", "policy": "basal-bolus (reference)", "env_steps": 0},
        {"job": "r", "task": "g", "method": "reference", "policy": "basal-bolus (reference)", "env_steps": 0},
        {
            "job": "q",
            "task": "g",
            "method": "promptpo",
            "policy": "qwen2.5-coder-1.5b-instruct-q4_k_m",
            "env_steps": 900,
        },
        {"job": "p0", "task": "g", "method": "ppo", "policy": "ppo", "env_steps": 4096},
        {"job": "p1", "task": "g", "method": "ppo", "policy": "ppo", "env_steps": 4096},
        {"job": "x", "task": "other", "method": "ppo", "policy": "ppo", "env_steps": 4096},
    ]
    in_range = [0.8, 0.6, 0.3, 0.1, 0.2, 0.9]
    metrics = pd.DataFrame(
        [{**row, "episode_seed": i, "time_in_range": value} for i, (row, value) in enumerate(zip(rows, in_range))]
    )
    empty = pd.DataFrame(columns=report.COLUMNS["promptpo_rounds"])
    results = report.Results(empty, empty, empty, empty, metrics)
    table = report.metrics_table(results, "g")
    assert list(table.index) == ["basal-bolus (reference)", "PromptPO qwen2.5-coder-1.5b", "PPO"]
    assert table["time_in_range"].tolist() == pytest.approx([0.7, 0.3, 0.15])
    assert table["episodes"].tolist() == [2, 1, 2] and table["env steps"].tolist() == [0, 900, 4096]
