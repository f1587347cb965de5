"""Aggregates over tasks with rliable: normalised scores, IQM with stratified-bootstrap CIs, performance profiles."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import arch.bootstrap
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from rliable import library as rly
from rliable import metrics, plot_utils

from promptpo.report import Results, label, promptpo_method

# Where each method's score is read. "PromptPO's budget": per task, the most environment steps any PromptPO run of
# the task used; an RL run is scored at its last evaluation within that many steps (often its untrained policy).
BUDGETS = {"promptpo": "at PromptPO's steps", "full": "full budget"}
REPS = 2000  # bootstrap resamples, rliable's default
CONFIDENCE = 0.95
BOOTSTRAP_SEED = 0
TAU_POINTS = 61  # performance-profile thresholds, from 0 to past most of the normalised scores (`_taus`)
COLUMNS = ["task", "method", "seed", "budget", "env_steps", "score", "no_policy", "normalised"]
TABLE_COLUMNS = [
    "method",
    "budget",
    "tasks",
    "runs per task",
    "runs without a policy",
    "median env steps",
    "IQM",
    "CI low (runs)",
    "CI high (runs)",
    "CI low (runs, tasks)",
    "CI high (runs, tasks)",
]


def normalisation(results: Results, task: str) -> tuple[float, float] | None:
    """(zero, one) of `task`'s normalised scale: the random policy's score and the best reference's (the exact
    optimum where known, else the best of all references, the zero action included: on MuJoCo that is standing
    still). None when no reference beats random (the task is then left out of every aggregate).

    Pitfall: on NoiseWorld random play falls into the catastrophic cells, so a policy that merely avoids them without
    reaching the goal already scores high on this scale (`report.fraction_of_optimum` has no such floor)."""
    zero = results.reference(task, "random")
    one = results.reference(task, "optimal")
    if one is None:
        one = results.references.loc[results.references["task"] == task, "score"].max()
    if zero is None or pd.isna(one) or one <= zero:
        return None
    return zero, float(one)


def left_out(results: Results, tasks: list[str]) -> list[str]:
    """The tasks of `tasks` that no aggregate includes: no reference beats the random policy (`normalisation`)."""
    return [task for task in tasks if normalisation(results, task) is None]


def normalised_scores(results: Results, tasks: list[str]) -> pd.DataFrame:
    """One row per (task, method, seed, budget): the final score at that budget and its normalised value, 0 = random,
    1 = best reference (`normalisation`). PromptPO (per model): the reported policy's held-out score after the last
    round, at both budgets; a run that ended without a runnable policy counts as random (normalised 0, `no_policy`).
    RL: the evaluation at the end of training ("full budget"), and the last one within the most steps a PromptPO
    run of the task used ("at PromptPO's steps", on tasks PromptPO ran)."""
    scales = {task: scale for task in tasks if (scale := normalisation(results, task)) is not None}
    rows = []
    for task in scales:
        finals = results.rounds[results.rounds["task"] == task].groupby(["model", "seed"], sort=False).tail(1)
        for run in finals.itertuples():
            for budget in BUDGETS:
                rows.append((task, promptpo_method(run.model), run.seed, budget, run.env_steps, run.reported_heldout))
        promptpo_steps = finals["env_steps"].max() if len(finals) else None
        for (algo, seed), curve in results.curves[results.curves["task"] == task].groupby(["algo", "seed"], sort=False):
            curve = curve.sort_values("env_steps")
            points = {"full": curve.iloc[-1]}
            if promptpo_steps is not None:
                points["promptpo"] = curve[curve["env_steps"] <= promptpo_steps].iloc[-1]
            for budget, point in points.items():
                rows.append((task, algo, seed, budget, point["env_steps"], point["score"]))
    frame = pd.DataFrame(rows, columns=COLUMNS[:6])
    frame["no_policy"] = frame["score"].isna()
    zero = frame["task"].map({task: scale[0] for task, scale in scales.items()})
    one = frame["task"].map({task: scale[1] for task, scale in scales.items()})
    frame["normalised"] = ((frame["score"] - zero) / (one - zero)).fillna(0.0)
    order = {method: rank for rank, method in enumerate(results.methods())}  # tables and legends: PromptPO, then RL
    return frame.sort_values("method", key=lambda m: m.map(order), kind="stable")[COLUMNS].reset_index(drop=True)


def kept_runs(scores: pd.DataFrame, budget: str) -> dict[str, pd.DataFrame]:
    """method -> its `scores` rows at `budget` that enter the aggregates, with a `run` column (0, 1, ... per task).
    rliable needs the same number of runs on every task: a method keeps its k lowest seeds on each task, k being
    its fewest seeds on any task (e.g. one, pooling Meta-World's single SAC seed with MuJoCo's three)."""
    kept = {}
    for method, rows in scores[scores["budget"] == budget].groupby("method", sort=False):
        runs = rows.groupby("task", sort=False)["seed"].nunique().min()
        rows = rows.sort_values("seed", kind="stable").groupby("task", sort=False).head(runs)
        kept[method] = rows.assign(run=rows.groupby("task", sort=False).cumcount())
    return kept


def score_matrices(scores: pd.DataFrame, budget: str) -> dict[str, np.ndarray]:
    """method -> normalised scores at `budget` as the (runs, tasks) array rliable takes (`kept_runs`), over the
    tasks the method ran."""
    return {method: _matrix(rows) for method, rows in kept_runs(scores, budget).items()}


def _matrix(kept: pd.DataFrame) -> np.ndarray:
    """One method's `kept_runs` rows as its (runs, tasks) array of normalised scores."""
    return kept.pivot(index="run", columns="task", values="normalised").to_numpy()


class _SeedKeyword(arch.bootstrap.IIDBootstrap):
    """arch 8's IIDBootstrap, taking the keyword rliable 1.2.0 passes to it. rliable (1.2.0 is its latest release)
    requires arch < 8, which renamed `random_state` to `seed`; arch < 8 does not import under pandas 3."""

    def __init__(self, *args: np.ndarray, random_state: np.random.RandomState | None = None, **kwargs: np.ndarray):
        super().__init__(*args, seed=random_state, **kwargs)


class StratifiedBootstrap(rly.StratifiedBootstrap, _SeedKeyword):
    """rliable's stratified bootstrap (resample runs within each task; with `task_bootstrap`, the tasks as well),
    unchanged, on arch 8: its `super().__init__` reaches `_SeedKeyword` before arch's class."""


@contextlib.contextmanager
def _numpy_global_seed(seed: int) -> Iterator[None]:
    """rliable draws its resampling indices from numpy's global RNG (`np.random.choice`), not from the generator it is
    given: seed that for repeatable intervals, and restore it after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def interval(
    matrix: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], *, task_bootstrap: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point estimate, lower, upper) of `statistic` (an array-valued function of a (runs, tasks) matrix): rliable's
    stratified bootstrap, REPS resamples, CONFIDENCE percentile interval. With one run per task and no task
    bootstrap the interval has zero width: it measures seed variation, and there is none to measure."""
    with _numpy_global_seed(BOOTSTRAP_SEED):
        bootstrap = StratifiedBootstrap(matrix, task_bootstrap=task_bootstrap)
        low, high = bootstrap.conf_int(statistic, reps=REPS, size=CONFIDENCE, method="percentile")
    return statistic(matrix), low, high


def _iqm(matrix: np.ndarray) -> np.ndarray:
    return np.array([metrics.aggregate_iqm(matrix)])


def aggregate_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Per method and budget (`normalised_scores` rows): tasks, runs per task, runs without a policy, the IQM of the
    normalised scores and its 95% stratified-bootstrap CIs, over runs (the seeds of each task) and over runs and
    tasks (how much the IQM depends on which tasks were chosen). Methods ran on different task sets (DQN only where
    actions are discrete, say): compare IQMs only where the `tasks` column agrees."""
    rows = []
    for budget, name in BUDGETS.items():
        for method, used in kept_runs(scores, budget).items():
            matrix = _matrix(used)
            iqm, low, high = interval(matrix, _iqm)
            _, task_low, task_high = interval(matrix, _iqm, task_bootstrap=True)
            rows.append(
                {
                    "method": label(method),
                    "budget": name,
                    "tasks": matrix.shape[1],
                    "runs per task": matrix.shape[0],
                    "runs without a policy": int(used["no_policy"].sum()),
                    "median env steps": int(used["env_steps"].median()),
                    "IQM": float(iqm[0]),
                    "CI low (runs)": float(low[0]),
                    "CI high (runs)": float(high[0]),
                    "CI low (runs, tasks)": float(task_low[0]),
                    "CI high (runs, tasks)": float(task_high[0]),
                }
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS).set_index(["method", "budget"])


def plot_aggregates(scores: pd.DataFrame, table: pd.DataFrame, colours: dict[str, str], title: str) -> plt.Figure:
    """Left: each method's IQM at both budgets with its 95% CI over runs and tasks, read from `table`
    (`aggregate_table(scores)`). Right: the performance profile at the full budget (fraction of runs whose normalised
    score exceeds tau), with 95% CIs over runs. `colours` maps each method (as in `scores`) to its plot colour."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1.3]})
    methods = list(dict.fromkeys(scores["method"]))
    for offset, (budget, marker) in zip((-0.15, 0.15), zip(BUDGETS, ("o", "s"))):
        for y, method in enumerate(methods):
            if (label(method), BUDGETS[budget]) not in table.index:
                continue  # an RL method on tasks PromptPO did not run has no score at PromptPO's steps
            row = table.loc[(label(method), BUDGETS[budget])]
            face = "white" if budget == "promptpo" else colours[method]
            ci = [row["CI low (runs, tasks)"], row["CI high (runs, tasks)"]]
            left.plot(ci, [y + offset] * 2, color=colours[method])
            left.plot([row["IQM"]], [y + offset], marker, color=colours[method], mfc=face, ms=6)
    left.set_yticks(range(len(methods)), [f"{label(m)} ({_task_count(table, m)})" for m in methods], fontsize=8)
    left.invert_yaxis()
    left.axvline(0, color="0.35", linestyle=":", lw=1)
    left.axvline(1, color="0.35", linestyle="--", lw=1)
    left.set_xlabel("IQM of normalised scores (0 = random, 1 = best reference)")
    left.legend(
        handles=[
            plt.Line2D([], [], marker="o", mfc="white", color="0.3", ls="", label=BUDGETS["promptpo"]),
            plt.Line2D([], [], marker="s", color="0.3", ls="", label=BUDGETS["full"]),
        ],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=2,
        frameon=False,
    )
    full = score_matrices(scores, "full")
    taus = _taus(scores)
    profiles, cis = {}, {}
    for method, matrix in full.items():
        profiles[label(method)], low, high = interval(matrix, lambda m: rly.score_distributions(m, taus))
        cis[label(method)] = (low, high)
    plot_utils.plot_performance_profiles(
        profiles,
        taus,
        performance_profile_cis=cis,
        ax=right,
        colors={label(m): colours[m] for m in full},
        xlabel=r"normalised score $\tau$",
        ylabel=r"fraction of runs with score $> \tau$",
        labelsize="medium",
        ticklabelsize="medium",
    )
    if profiles:
        right.legend(fontsize=8, loc="upper right")
    right.set_title("performance profile, full budget (band: 95% CI over runs)", fontsize=9)
    left.set_title("IQM with 95% CI over runs and tasks", fontsize=9)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def _taus(scores: pd.DataFrame) -> np.ndarray:
    """Profile thresholds from 0 to the 90th percentile of the full-budget normalised scores (at least 1.25), in
    quarters: MuJoCo's PPO reaches several times the zero action's return, Meta-World nobody reaches 1."""
    top = scores.loc[scores["budget"] == "full", "normalised"].quantile(0.9)
    return np.linspace(0.0, max(1.25, np.ceil(top * 4) / 4), TAU_POINTS)


def _task_count(table: pd.DataFrame, method: str) -> str:
    """ "n tasks x k runs" of `method` at the full budget, from its `aggregate_table` row."""
    tasks, runs = table.loc[(label(method), BUDGETS["full"]), ["tasks", "runs per task"]].astype(int)
    return f"{tasks} tasks x {runs} run" + ("" if runs == 1 else "s")
