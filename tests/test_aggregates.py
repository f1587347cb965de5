"""rliable aggregates over tasks: the normalised scale, the budgets, the run matrices and the bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rliable import metrics

from promptpo import aggregates, report
from promptpo.experiments import grid, results_dir

frame = pd.DataFrame


def _results() -> report.Results:
    """Task a: random 0, optimum 10 (and a zero action at 5); task b: random -100, best reference 0 (the zero action,
    as on MuJoCo); task c: no reference above random. PromptPO used 300 steps on a and 50 on b; PPO evaluates at 0,
    100 and 400 steps with three seeds on a and two on b."""
    references = frame(
        [
            {"job": "r", "task": "a", "reference": "random", "score": 0.0},
            {"job": "r", "task": "a", "reference": "zero action", "score": 5.0},
            {"job": "r", "task": "a", "reference": "optimal (exact V*)", "score": 10.0},
            {"job": "r", "task": "b", "reference": "random", "score": -100.0},
            {"job": "r", "task": "b", "reference": "zero action", "score": 0.0},
            {"job": "r", "task": "c", "reference": "random", "score": 3.0},
            {"job": "r", "task": "c", "reference": "zero action", "score": 1.0},
        ]
    )
    curves = frame(
        [
            {"job": f"p{task}{seed}", "task": task, "algo": "ppo", "seed": seed, "env_steps": step, "score": score}
            for task, seeds, path in (("a", 3, (1.0, 4.0, 9.0)), ("b", 2, (-100.0, -50.0, 20.0)), ("c", 1, (0, 0, 0)))
            for seed in range(seeds)
            for step, score in zip((0, 100, 400), path)
        ]
    )
    rounds = frame(
        [
            {"job": "qa", "task": "a", "model": "m", "seed": 0, "round": 1, "env_steps": 120, "reported_heldout": 2.0},
            {"job": "qa", "task": "a", "model": "m", "seed": 0, "round": 2, "env_steps": 300, "reported_heldout": 6.0},
            {"job": "qb", "task": "b", "model": "m", "seed": 0, "round": 1, "env_steps": 50, "reported_heldout": None},
        ]
    )
    return report.Results(rounds, frame(columns=report.COLUMNS["promptpo_candidates"]), curves, references)


def test_scores_are_normalised_from_random_to_the_best_reference_and_a_run_without_policy_counts_as_random():
    results = _results()
    assert aggregates.normalisation(results, "a") == (0.0, 10.0)  # the optimum, not the zero action
    assert aggregates.normalisation(results, "b") == (-100.0, 0.0)  # no optimum: the best reference
    assert aggregates.left_out(results, ["a", "b", "c"]) == ["c"]
    scores = aggregates.normalised_scores(results, ["a", "b", "c"]).set_index(["task", "method", "seed", "budget"])
    assert "c" not in scores.index.get_level_values("task")
    promptpo = report.promptpo_method("m")
    assert scores.loc[("a", promptpo, 0, "full"), "normalised"] == 0.6  # the last round's reported policy
    assert scores.loc[("b", promptpo, 0, "full"), ["normalised", "no_policy"]].tolist() == [0.0, True]
    assert scores.loc[("b", "ppo", 1, "full"), "normalised"] == pytest.approx(1.2)  # above the best reference
    nothing = aggregates.aggregate_table(aggregates.normalised_scores(results, ["c"]))
    assert nothing.empty and list(nothing.columns) == aggregates.TABLE_COLUMNS[2:]  # a family of unscaled tasks


def test_rl_is_scored_at_its_last_evaluation_within_the_steps_promptpo_used():
    scores = aggregates.normalised_scores(_results(), ["a", "b"]).set_index(["task", "method", "seed", "budget"])
    assert scores.loc[("a", "ppo", 0, "promptpo"), ["env_steps", "score"]].tolist() == [100, 4.0]  # 300 steps: 100
    assert scores.loc[("b", "ppo", 0, "promptpo"), ["env_steps", "score"]].tolist() == [0, -100.0]  # 50: untrained
    assert scores.loc[("a", "ppo", 0, "full"), ["env_steps", "score"]].tolist() == [400, 9.0]


def test_a_method_keeps_as_many_seeds_on_every_task_as_it_has_on_its_poorest_one():
    scores = aggregates.normalised_scores(_results(), ["a", "b"])
    matrices = aggregates.score_matrices(scores, "full")
    assert matrices["ppo"].shape == (2, 2)  # seeds 0 and 1 of a (of 3), both of b
    np.testing.assert_allclose(matrices["ppo"], [[0.9, 1.2], [0.9, 1.2]])
    assert matrices[report.promptpo_method("m")].shape == (1, 2)


def test_intervals_are_rliables_stratified_bootstrap_repeatable_and_leave_numpys_global_rng_alone():
    rng = np.random.default_rng(1)
    matrix = np.column_stack([rng.normal(0, 1, 5), rng.normal(100, 1, 5)])  # two tasks, far apart
    state = np.random.get_state()
    point, low, high = aggregates.interval(matrix, lambda m: np.array([m[:, 0].mean(), m[:, 1].mean()]))
    assert np.array_equal(np.random.get_state()[1], state[1])
    # Stratified by task: a resample never mixes task b's runs into task a, so each task's interval stays in its range
    assert matrix[:, 0].min() <= low[0] < point[0] < high[0] <= matrix[:, 0].max()
    assert matrix[:, 1].min() <= low[1] < point[1] < high[1] <= matrix[:, 1].max()
    again = aggregates.interval(matrix, lambda m: np.array([m[:, 0].mean(), m[:, 1].mean()]))
    assert all(np.array_equal(x, y) for x, y in zip((point, low, high), again))
    one_run = matrix[:1]
    iqm, low, high = aggregates.interval(one_run, lambda m: np.array([metrics.aggregate_iqm(m)]))
    assert low[0] == high[0] == iqm[0]  # one seed per task: nothing about seed variation is measured
    _, low, high = aggregates.interval(one_run, lambda m: np.array([metrics.aggregate_iqm(m)]), task_bootstrap=True)
    assert low[0] < high[0]  # resampling the tasks as well


def test_the_table_gives_each_methods_iqm_with_its_intervals_and_task_and_run_counts():
    scores = aggregates.normalised_scores(_results(), ["a", "b"])
    table = aggregates.aggregate_table(scores)
    ppo = table.loc[("PPO", aggregates.BUDGETS["full"])]
    assert ppo["tasks"] == 2 and ppo["runs per task"] == 2 and ppo["runs without a policy"] == 0
    assert ppo["IQM"] == pytest.approx(metrics.aggregate_iqm(np.array([[0.9, 1.2], [0.9, 1.2]])))
    assert ppo["CI low (runs, tasks)"] <= ppo["IQM"] <= ppo["CI high (runs, tasks)"]
    promptpo = table.loc[(report.promptpo_method("m"), aggregates.BUDGETS["promptpo"])]
    assert promptpo["runs without a policy"] == 1 and promptpo["IQM"] == pytest.approx(0.3)


def test_every_family_aggregates_its_committed_results_and_the_figure_shows_every_method():
    for family in ("real_world", "mujoco"):
        jobs = grid(family, "default")
        results = report.Results.load(results_dir(family, "default"), {job.key for job in jobs})
        tasks = list(dict.fromkeys(job.task for job in jobs))
        scores = aggregates.normalised_scores(results, tasks)
        table = aggregates.aggregate_table(scores)
        assert set(table.index.get_level_values("method")) == {report.label(m) for m in results.methods()}
        assert set(scores["task"]) == set(tasks) - set(aggregates.left_out(results, tasks))
        figure = aggregates.plot_aggregates(scores, table, {m: results.colour(m) for m in results.methods()}, family)
        legend = [text.get_text() for text in figure.axes[1].get_legend().get_texts()]
        assert legend == [report.label(m) for m in results.methods()]
    assert aggregates.left_out(results, tasks) == ["mujoco_swimmer"]  # random beats standing still there
