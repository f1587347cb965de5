"""Tables and figures rebuilt from a profile's tidy results (data/<family>/<profile>/): what the notebooks show."""

from __future__ import annotations

import inspect
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from promptpo.llm import LLMConfig, TranscriptStore
from promptpo.loop import PromptPOConfig
from promptpo.paths import REPO_ROOT, TRANSCRIPTS_DIR
from promptpo.runner import Job, ResultStore
from promptpo.sandbox import FailureKind
from promptpo.tasks.base import REFERENCE_SUFFIX

RL_ORDER = ["ppo", "dqn", "sac"]
PALETTE = {"ppo": "#2471a3", "dqn": "#28b463", "sac": "#8e44ad"}
PROMPTPO_COLOURS = ["#c0392b", "#e67e22", "#7b241c", "#f5b041"]  # one per model, in the profile's order


# The columns the tables and figures read, for grids that ran no job of a kind (e.g. methods=promptpo only).
COLUMNS = {
    "promptpo_rounds": [
        "job",
        "task",
        "model",
        "seed",
        "round",
        "env_steps",
        "llm_calls",
        "heldout_score",
        "reported_round",
        "reported_heldout",
        "candidates_ok",
        "candidates_failed",
    ],
    "promptpo_candidates": [
        "job",
        "task",
        "model",
        "seed",
        "round",
        "sample",
        "attempt",
        "failure_kind",
        "failure_message",
        "selection_score",
        "env_steps",
        "transcript_key",
    ],
    "learning_curves": ["job", "task", "algo", "seed", "env_steps", "score"],
    "references": ["job", "task", "reference", "score"],
    "episode_metrics": ["job", "task", "method", "policy", "env_steps", "episode_seed"],
}


@dataclass
class Results:
    """The tidy tables of one profile, restricted to the jobs of the current grid."""

    rounds: pd.DataFrame  # PromptPO: one row per (task, model, seed, round)
    candidates: pd.DataFrame  # PromptPO: one row per policy reply (sample or repair), failure_kind "" when it ran
    curves: pd.DataFrame  # RL: one row per (task, algo, seed, env_steps)
    references: pd.DataFrame  # one row per (task, reference)
    # Secondary metrics (tasks that have them): one row per held-out episode of a policy.
    metrics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COLUMNS["episode_metrics"]))

    @classmethod
    def load(cls, folder: Path, job_keys: set[str]) -> Results:
        def read(name: str) -> pd.DataFrame:
            path = folder / f"{name}.csv"
            frame = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS[name])  # a grid without it
            return frame[frame["job"].isin(job_keys)].reset_index(drop=True)

        if not ResultStore(folder).done() >= job_keys:
            missing = len(job_keys - ResultStore(folder).done())
            raise RuntimeError(f"{missing} jobs of this grid have no results in {folder}: run the grid first")
        candidates = read("promptpo_candidates")
        candidates["failure_kind"] = candidates["failure_kind"].fillna("")
        tables = ("promptpo_rounds", "learning_curves", "references", "episode_metrics")
        rounds, curves, references, metrics = (read(name) for name in tables)
        return cls(rounds, candidates, curves, references, metrics)

    @property
    def models(self) -> list[str]:
        """The LLMs of the PromptPO runs, in grid order."""
        return list(dict.fromkeys(self.rounds["model"])) if len(self.rounds) else []

    def colour(self, method: str) -> str:
        """Plot colour of an RL algorithm or of `promptpo_method(model)`."""
        if method in PALETTE:
            return PALETTE[method]
        return PROMPTPO_COLOURS[[promptpo_method(m) for m in self.models].index(method) % len(PROMPTPO_COLOURS)]

    def methods(self) -> list[str]:
        """Every method with results: one PromptPO method per model, then the RL algorithms."""
        algos = set(self.curves["algo"]) if len(self.curves) else set()
        return [promptpo_method(m) for m in self.models] + [a for a in RL_ORDER if a in algos]

    def reference(self, task: str, kind: str) -> float | None:
        """The random ('random') or optimal score of `task`: the exact optimum where known, else the oracle's (the
        zero-action reference and the task's named references, `Task.references`, are neither)."""
        rows = self.references[self.references["task"] == task]
        if kind == "random":
            picked = rows[rows["reference"] == "random"]
        else:
            exact = rows[rows["reference"].str.startswith("optimal (exact")]
            named = rows["reference"].str.endswith(REFERENCE_SUFFIX)
            oracle = ~rows["reference"].isin(["random", "zero action"]) & ~named
            picked = exact if len(exact) else rows[oracle]
        return float(picked["score"].iloc[0]) if len(picked) else None


def promptpo_method(model: str) -> str:
    """The method name of PromptPO with `model` in tables and legends, e.g. "PromptPO qwen2.5-coder-1.5b"."""
    return "PromptPO " + re.sub(r"(-instruct)?-q\d.*$", "", model)


def promptpo_summary(results: Results) -> pd.DataFrame:
    """Per task, model and seed: the reported policy's held-out score (`loop.reported_winner`: the winner with the
    best selection score, chosen without the held-out episodes), the last round's, env steps, LLM usage, and the
    failures of the samples' final attempts by kind (`truncated replies` counts every reply cut at the token limit,
    repairs included)."""
    rows = []
    for (task, model, seed), runs in results.rounds.groupby(["task", "model", "seed"], sort=False):
        last = runs.iloc[-1]
        failures = _failure_counts(results.candidates[results.candidates["job"].isin(runs["job"])])
        truncated = int(runs["truncated_replies"].sum()) if "truncated_replies" in runs else None
        rows.append(
            {
                "task": task,
                "model": model,
                "seed": seed,
                "rounds": len(runs),
                "reported round": last["reported_round"],
                "reported held-out": last["reported_heldout"],
                "last round held-out": last["heldout_score"],
                "env steps": int(last["env_steps"]),
                "LLM calls": int(last["llm_calls"]),
                "runnable candidates": int(runs["candidates_ok"].sum()),
                "failed candidates": int(runs["candidates_failed"].sum()),
                **({} if truncated is None else {"truncated replies": truncated}),
                "failures by kind": ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "-",
            }
        )
    return pd.DataFrame(rows)


def reference_table(results: Results) -> pd.DataFrame:
    table = results.references.pivot_table(index="task", columns="reference", values="score", sort=False)
    return table.reindex(columns=sorted(table.columns, key=lambda c: (c != "random", c)))


def metrics_table(results: Results, task: str) -> pd.DataFrame:
    """Secondary metrics of `task` (`Task.episode_metrics`) per policy, mean over its held-out episodes: every
    reference, PromptPO's reported policy (per model, mean over seeds), each RL algorithm's final policy (mean over
    seeds). Columns: the metrics, then `episodes` (over all seeds) and `env steps` (mean, what the method used)."""
    rows = results.metrics[results.metrics["task"] == task]
    names = [c for c in rows.columns if c not in COLUMNS["episode_metrics"]]
    shown = rows["policy"].where(rows["method"] == "reference", rows["method"].str.upper())
    shown = shown.where(rows["method"] != "promptpo", rows["policy"].map(promptpo_method))
    grouped = rows.assign(label=shown).groupby("label", sort=False)
    table = grouped[names].mean()
    table["episodes"] = grouped.size()
    table["env steps"] = grouped["env_steps"].mean().round().astype(int)
    table.index.name = "policy"
    return table


FRACTIONS = (0.5, 0.9)  # of the optimal score: the milestones every table and the classroom assignments use


def steps_to_fraction(results: Results, fractions: tuple[float, ...] = FRACTIONS) -> pd.DataFrame:
    """Environment steps each method needs until its score first reaches `fraction` x the optimal score.

    RL: the first evaluation point where the mean over seeds reaches it. PromptPO: the cumulative steps of the
    first round whose reported policy's held-out score (mean over seeds) reaches it. "not reached" otherwise. Only
    tasks with a positive optimum are listed (a fraction of a negative optimum has no meaning).
    """
    rows = []
    for task in dict.fromkeys(results.references["task"]):
        optimum = results.reference(task, "optimal")
        if optimum is None or optimum <= 0:
            continue
        series = _method_series(results, task)
        for method, (steps, scores) in series.items():
            row = {"task": task, "method": method, "optimum": optimum}
            for fraction in fractions:
                hit = np.flatnonzero(scores >= fraction * optimum)
                row[f"steps to {fraction:.0%}"] = f"{int(steps[hit[0]]):,}" if len(hit) else "not reached"
            rows.append(row)
    return pd.DataFrame(rows)


def _method_series(results: Results, task: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """method -> (env steps, mean score over seeds) for one task; PromptPO (per model): the reported policy's held-out
    score after each round."""
    series = {}
    rounds = results.rounds[results.rounds["task"] == task].dropna(subset=["reported_heldout"])
    for model, runs in rounds.groupby("model", sort=False):
        mean = runs.groupby("round", sort=True)[["env_steps", "reported_heldout"]].mean()
        series[promptpo_method(model)] = (mean["env_steps"].to_numpy(), mean["reported_heldout"].to_numpy())
    curves = results.curves[results.curves["task"] == task]
    for algo, frame in curves.groupby("algo", sort=False):
        mean = frame.groupby("env_steps", sort=True)["score"].mean()
        series[algo] = (mean.index.to_numpy(), mean.to_numpy())
    return series


BAND_MIN_SEEDS = 3  # a bootstrap band over fewer seeds says nothing: below this, only the mean is drawn


def plot_score_vs_steps(results: Results, tasks: list[str], *, columns: int = 4, ylabel: str = "score") -> plt.Figure:
    """One panel per task: RL learning curves (mean over seeds at each evaluation, with a 95% bootstrap band where
    there are at least BAND_MIN_SEEDS seeds); PromptPO per model and seed, the held-out score of each round's winner
    at the run's cumulative environment steps (a point only where a round had a winner, a line per seed); and the
    random and optimal references. A marker is drawn at every measured point; the untrained policy's evaluation at
    step 0 is not joined to the first one after training, since the x axis is logarithmic beyond 100 steps. The y
    axis fits the final scores, PromptPO and the references: an RL curve's dip far below them is cut off and its
    lowest value written in the panel. The legend gives each method's seed count."""
    rows = -(-len(tasks) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        curves = results.curves[results.curves["task"] == task]
        for algo, frame in curves.groupby("algo", sort=False):
            _plot_curve(ax, frame, results.colour(algo))
        rounds = results.rounds[results.rounds["task"] == task]
        scored = rounds.dropna(subset=["heldout_score"])
        for model, runs in rounds.groupby("model", sort=False):
            colour = results.colour(promptpo_method(model))
            won = runs.dropna(subset=["heldout_score"])
            for _, run in won.groupby("seed", sort=True):
                ax.plot(run["env_steps"], run["heldout_score"], "o-", color=colour, ms=4, lw=1)
            if not len(won):
                row = results.models.index(model)
                ax.text(
                    0.03,
                    0.45 - 0.1 * row,
                    f"{promptpo_method(model)}: no runnable policy",
                    transform=ax.transAxes,
                    color=colour,
                    fontsize=7,
                )
        _reference_lines_and_limits(ax, results, task, curves, scored)
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(ylabel)
    for ax in axes.flat[len(tasks) :]:
        ax.axis("off")
    handles = [
        plt.Line2D(
            [],
            [],
            color=results.colour(m),
            marker="o",
            ms=4 if m.startswith("PromptPO") else 2.5,
            label=f"{label(m)} ({_seed_count(results, m, tasks)})",
        )
        for m in results.methods()
    ]
    handles.append(plt.Line2D([], [], color="0.35", linestyle=":", label="random"))
    if any(_optimum(results, task) is not None for task in tasks):
        handles.append(plt.Line2D([], [], color="0.35", linestyle="--", label="optimal / oracle"))
    inch = 1 / figure.get_figheight()  # the legend and the caption below the panels take a fixed height
    figure.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.25 * inch), ncol=len(handles), frameon=False
    )
    figure.text(
        0.5,
        0.08 * inch,
        f"RL: mean over seeds; band: 95% bootstrap CI over seeds, drawn for {BAND_MIN_SEEDS} or more seeds. "
        "PromptPO: one line per seed.",
        ha="center",
        fontsize=8,
        color="0.3",
    )
    figure.tight_layout(rect=(0, 0.75 * inch, 1, 1))
    return figure


def _plot_curve(ax, frame: pd.DataFrame, colour: str) -> None:
    """One RL algorithm's curve on one task: the mean over seeds with a marker at each evaluation, its band when
    there are enough seeds; the step-0 evaluation (the untrained policy) as a marker of its own."""
    band = ("ci", 95) if frame["seed"].nunique() >= BAND_MIN_SEEDS else None
    trained = frame[frame["env_steps"] > 0]
    sns.lineplot(
        data=trained,
        x="env_steps",
        y="score",
        color=colour,
        errorbar=band,
        n_boot=200,
        seed=0,
        marker="o",
        markersize=3,
        markeredgewidth=0,
        ax=ax,
        legend=False,
    )
    untrained = frame.loc[frame["env_steps"] == 0, "score"]
    if len(untrained):
        ax.plot([0], [untrained.mean()], "o", color=colour, ms=3, mew=0)


def _seed_count(results: Results, method: str, tasks: list[str]) -> str:
    """How many seeds `method` has on `tasks`: "3 seeds", or "1-3 seeds" where tasks differ."""
    if method.startswith("PromptPO"):
        model = next(m for m in results.models if promptpo_method(m) == method)
        frame = results.rounds[(results.rounds["model"] == model) & results.rounds["task"].isin(tasks)]
    else:
        frame = results.curves[(results.curves["algo"] == method) & results.curves["task"].isin(tasks)]
    counts = sorted(set(frame.groupby("task")["seed"].nunique())) or [0]
    text = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    return f"{text} seed" + ("" if text == "1" else "s")


FRACTION_FLOOR = -0.25  # fractions below this are drawn at it (NoiseWorld's penalties reach -100 x the optimum)
DIP_SPANS = 1.0  # an RL mean more than this many panel spans below everything else is cut off (and annotated)


def _reference_lines_and_limits(ax, results: Results, task: str, curves: pd.DataFrame, scored: pd.DataFrame) -> None:
    """Reference lines, and y limits that fit the final scores, PromptPO and the optimum. NoiseWorld's random policy
    averages thousands below zero, and an RL curve can dip as far for one evaluation: a reference or a curve far
    below that range is written in the panel instead of squashing it."""
    means = curves.groupby(["algo", "env_steps"])["score"].mean() if len(curves) else pd.Series(dtype=float)
    finals = [frame.iloc[-1] for _, frame in means.groupby(level="algo")] if len(means) else []
    anchors = finals + scored["heldout_score"].tolist()
    optimum, random = results.reference(task, "optimal"), results.reference(task, "random")
    anchors += [optimum] if optimum is not None else []
    low, high = min(anchors, default=0.0), max([*anchors, *means.tolist()], default=1.0)
    span = (high - low) or 1.0
    notes = []
    dips = means[means < low - DIP_SPANS * span]
    if len(dips):
        (algo, step), value = dips.idxmin(), dips.min()
        where = "untrained" if step == 0 else f"at {int(step):,} steps"
        notes.append(f"{label(algo)} down to {value:,.0f} {where} (off scale)")
    low = min([low, *means[means >= low - DIP_SPANS * span].tolist()])
    span = (high - low) or 1.0
    if random is not None and random < low - 2 * span:  # far below everything else: annotate, do not squash
        notes.append(f"random: {random:,.0f} (off scale)")
        random = None
    elif random is not None:
        low, high = min(low, random), max(high, random)
    for row, note in enumerate(notes):
        ax.text(0.97, 0.02 + 0.07 * row, note, transform=ax.transAxes, ha="right", fontsize=7, color="0.35")
    pad = 0.08 * ((high - low) or 1.0)
    ax.set_ylim(low - pad * (1 + 1.5 * len(notes)), high + pad)  # room below the data for the notes
    for value, style in ((random, ":"), (optimum, "--")):
        if value is not None:
            ax.axhline(value, color="0.35", linestyle=style, linewidth=1)
    steps = [*curves["env_steps"].tolist(), *scored["env_steps"].tolist()]
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlim(0, max(steps, default=100) * 1.3)


def plot_final_scores(results: Results, tasks: list[str]) -> plt.Figure:
    """Final held-out scores per task as a fraction of the optimal (or oracle) score, so that tasks of different
    scales share one axis. RL: the last evaluation point, one dot per seed; PromptPO (per model): the reported
    policy's held-out score per seed. Tasks without a positive optimum are left out."""
    rows = []
    for task in tasks:
        if _optimum(results, task) is None:
            continue
        for (algo, seed), frame in results.curves[results.curves["task"] == task].groupby(["algo", "seed"]):
            value = fraction_of_optimum(results, task, frame["score"].iloc[-1])
            rows.append({"task": task, "method": algo, "seed": seed, "fraction of optimum": value})
        for (model, seed), frame in results.rounds[results.rounds["task"] == task].groupby(["model", "seed"]):
            best = frame["reported_heldout"].iloc[-1]
            if pd.notna(best):
                value = fraction_of_optimum(results, task, best)
                rows.append(
                    {"task": task, "method": promptpo_method(model), "seed": seed, "fraction of optimum": value}
                )
    data = pd.DataFrame(rows, columns=["task", "method", "seed", "fraction of optimum"])
    data["fraction of optimum"] = data["fraction of optimum"].clip(lower=FRACTION_FLOOR)
    tasks = [task for task in tasks if _optimum(results, task) is not None]
    figure, ax = plt.subplots(figsize=(max(6.0, 0.75 * len(tasks)), 4.0))
    order = [m for m in results.methods() if m in set(data["method"])]
    palette = {m: results.colour(m) for m in order}
    sns.stripplot(
        data=data,
        x="task",
        y="fraction of optimum",
        hue="method",
        hue_order=order,
        palette=palette,
        dodge=True,
        jitter=False,
        size=5,
        ax=ax,
        order=tasks,
    )
    ax.axhline(0, color="0.35", linestyle=":", linewidth=1)
    ax.axhline(1, color="0.35", linestyle="--", linewidth=1)
    ax.set_ylim(FRACTION_FLOOR - 0.05, 1.1)
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_title(
        f"final held-out score / optimal (or oracle) score\n(values below {FRACTION_FLOOR} drawn at it)", fontsize=10
    )
    ax.legend(ax.get_legend().legend_handles, [label(m) for m in order], title="method", fontsize=8)
    figure.tight_layout()
    return figure


def save(figure: plt.Figure, path: Path) -> Path:
    """Write a PNG without a timestamp or version in its metadata, so reruns give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, metadata={"Software": None})
    return path


def label(method: str) -> str:
    """A method as tables and legends name it: "PromptPO <model>" as is, an RL algorithm in capitals ("PPO")."""
    return method if method.startswith("PromptPO") else method.upper()


def _optimum(results: Results, task: str) -> float | None:
    value = results.reference(task, "optimal")
    return value if value is not None and value > 0 else None


def fraction_of_optimum(results: Results, task: str, value: float) -> float | None:
    """`value` / the optimal (or oracle) score; None without a positive optimum (MuJoCo, for one).

    Not (value - random) / (optimal - random): NoiseWorld's random policy falls into the catastrophic cells, so on
    that scale a policy that merely avoids them without ever reaching the goal would already look 97% optimal.
    """
    optimum = _optimum(results, task)
    return None if optimum is None else value / optimum


def final_attempts(candidates: pd.DataFrame) -> pd.DataFrame:
    """Each sample's last attempt in each run and round (rows of promptpo_candidates): what the round's winner was
    chosen from, and what the per-round `candidates_failed` column (and `RoundRecord.failures`) count."""
    return candidates.sort_values("attempt", kind="stable").groupby(["job", "round", "sample"], sort=False).tail(1)


def _failure_counts(candidates: pd.DataFrame) -> dict[str, int]:
    """Failures of the samples' final attempts, by kind (in name order), in `candidates` (promptpo_candidates rows)."""
    failed = final_attempts(candidates)["failure_kind"]
    return {str(kind): int(count) for kind, count in sorted(failed[failed != ""].value_counts().items())}


def _promptpo_sentences(results: Results, model: str, runs: pd.DataFrame) -> list[str]:
    """What PromptPO with `model` did: candidates, failures, winners, steps, and each run's reported held-out score."""
    candidates = int(runs["runnable candidates"].sum() + runs["failed candidates"].sum())
    failures = _failure_counts(results.candidates[results.candidates["model"] == model])
    common = ", ".join(f"{kind} ({count})" for kind, count in sorted(failures.items(), key=lambda kv: -kv[1])[:3])
    scored = runs.dropna(subset=["reported held-out"])
    lines = [
        f"PromptPO with {model}: {len(runs)} runs, {candidates} candidate policies of which "
        f"{int(runs['runnable candidates'].sum())} ran; the failures' kinds: {common or '-'}. {len(scored)} of "
        f"{len(runs)} runs had a winner; the runs used {int(runs['env steps'].min()):,} to "
        f"{int(runs['env steps'].max()):,} environment steps."
    ]
    for _, row in scored.iterrows():
        value = fraction_of_optimum(results, row["task"], row["reported held-out"])
        shown = f"{value:.2f} of the optimal score" if value is not None else "no optimum known"
        score = row["reported held-out"]
        lines.append(f"  {row['task']} (seed {row['seed']}): reported policy's held-out score {score:.4g} ({shown}).")
    return lines


def family_summary(results: Results, tasks: list[str]) -> str:
    """A few sentences of facts computed from the results (no conclusions are written by hand)."""
    lines = []
    summary = promptpo_summary(results)
    for model, runs in summary.groupby("model", sort=False) if len(summary) else ():
        lines += _promptpo_sentences(results, model, runs)
    for algo, frame in results.curves.groupby("algo", sort=False):
        finals: list[tuple[str, float | None, int]] = []
        for task, curve in frame.groupby("task", sort=False):
            last = curve[curve["env_steps"] == curve["env_steps"].max()]["score"].mean()
            finals.append((task, fraction_of_optimum(results, task, last), int(curve["env_steps"].max())))
        known = [f for f in finals if f[1] is not None]
        near = [task for task, value, _ in known if value >= 0.9]
        steps = sorted({f[2] for f in finals})
        text = f"{algo.upper()} on {len(finals)} tasks, final point at {' / '.join(f'{s:,}' for s in steps)} steps"
        if known:
            text += (
                f": mean final score {np.mean([f[1] for f in known]):.2f} of the optimal score over "
                f"{len(known)} tasks with a known optimum; at least 90% of it on {len(near)} task(s)"
                + (f": {', '.join(near)}." if near else ".")
            )
        lines.append(text + ("" if known else "."))
    return "\n".join(lines)


def final_scores(results: Results) -> pd.DataFrame:
    """Per task: each method's final held-out score (RL: last evaluation point, mean over seeds; PromptPO, per
    model: the reported policy's held-out score, mean over seeds) next to the references."""
    table: dict[str, dict[str, float]] = {}
    for (task, algo), frame in results.curves.groupby(["task", "algo"], sort=False):
        table.setdefault(task, {})[algo.upper()] = frame[frame["env_steps"] == frame["env_steps"].max()]["score"].mean()
    for (task, model), frame in results.rounds.groupby(["task", "model"], sort=False):
        best = frame.groupby("seed")["reported_heldout"].last()
        table.setdefault(task, {})[promptpo_method(model)] = best.mean() if best.notna().any() else np.nan
    for row in results.references.itertuples():
        table.setdefault(row.task, {})[row.reference] = row.score
    frame = pd.DataFrame.from_dict(table, orient="index")
    order = [c for c in map(label, results.methods()) if c in frame.columns]
    return frame[order + [c for c in frame.columns if c not in order]]


def headline_table(results: Results, tasks: list[str]) -> pd.DataFrame:
    """One row per method (`final_scores`): on how many of `tasks` it has a final score, beats the random policy,
    beats standing still (the zero action, counted over the tasks that have one: a MuJoCo policy that only stands
    collects every step's healthy reward), and reaches each of FRACTIONS of the optimal (or oracle) score. The
    fraction columns count only tasks with a positive optimum and are left out when there is none (MuJoCo)."""
    finals = final_scores(results).reindex(tasks)
    with_optimum = [task for task in tasks if _optimum(results, task) is not None]
    zero = finals["zero action"].dropna() if "zero action" in finals.columns else pd.Series(dtype=float)
    rows = {}
    for method in [m for m in map(label, results.methods()) if m in finals.columns]:
        scores = finals[method]
        row = {
            "tasks with a score": f"{int(scores.notna().sum())} of {len(tasks)}",
            "above random": f"{int((scores > finals['random']).sum())} of {len(tasks)}",
        }
        if len(zero):
            row["above zero action"] = f"{int((scores[zero.index] > zero).sum())} of {len(zero)}"
        for fraction in FRACTIONS if with_optimum else ():
            reached = sum(fraction_of_optimum(results, t, scores[t]) >= fraction for t in with_optimum)
            row[f"at {fraction:.0%} of the optimum"] = f"{int(reached)} of {len(with_optimum)}"
        rows[method] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def budget_text(jobs: list[Job]) -> str:
    """The budgets of a grid, one line per PromptPO model and per RL algorithm, read from its jobs (so the text
    cannot drift from the profile). Rounds are the paper's per-task value where the profile sets none."""
    lines = []
    promptpo = [job for job in jobs if job.method == "promptpo"]
    defaults = PromptPOConfig()
    for model in dict.fromkeys(job.config["llm"]["model"] for job in promptpo):
        config = next(job.config for job in promptpo if job.config["llm"]["model"] == model)
        knobs = {name: config.get(name, getattr(defaults, name)) for name in ("rounds", "n_gens", "max_repairs")}
        rounds = knobs["rounds"] if knobs["rounds"] is not None else "the paper's per-task number of"
        tokens = config["llm"].get("max_tokens", LLMConfig.max_tokens)
        temperature = config["llm"].get("temperature", LLMConfig.temperature)
        seeds = sorted({job.seed for job in promptpo if job.config["llm"]["model"] == model})
        lines.append(
            f"PromptPO with {model}: {rounds} rounds of {knobs['n_gens']} samples, up to {knobs['max_repairs']} "
            f"repairs per crashed candidate, {config.get('episodes', defaults.episodes)} selection and "
            f"{config.get('heldout_episodes', defaults.heldout_episodes)} held-out episodes per winner, replies of "
            f"at most {tokens} tokens at temperature {temperature}; run seeds {seeds}."
        )
    for algo in RL_ORDER:
        runs = [job for job in jobs if job.method == algo]
        if runs:
            steps = sorted({job.config["total_steps"] for job in runs})
            seeds = sorted({job.seed for job in runs})
            lines.append(
                f"{algo.upper()}: {' / '.join(f'{s:,}' for s in steps)} environment steps per seed, seeds {seeds}, "
                f"evaluated every {runs[0].config['eval_every']:,} steps on {runs[0].config['eval_episodes']} "
                "held-out episodes; the final policy is reported (no checkpoint is chosen)."
            )
    return "\n".join(lines)


def timing_summary(timings: list[dict[str, Any]], jobs: int, folder: Path) -> pd.DataFrame | str:
    """What the grid run now cost, per method: jobs, wall-clock seconds, environment steps and steps per second
    (timings are not results: they never go into data/). A sentence when every job already had results, naming
    the folder relative to the repository (the same text in every clone)."""
    if not timings:
        shown = folder.resolve().relative_to(REPO_ROOT) if folder.resolve().is_relative_to(REPO_ROOT) else folder
        return (
            f"All {jobs} jobs of this grid already have results in {shown}: nothing ran (recompute=True reruns them)."
        )
    frame = pd.DataFrame(timings)
    frame["env_steps"] = frame.get("env_steps", pd.Series(0, index=frame.index)).fillna(0)
    table = frame.groupby("method", sort=False).agg(
        jobs=("job", "size"), wall_s=("wall_s", "sum"), env_steps=("env_steps", "sum")
    )
    table["steps_per_s"] = (table["env_steps"] / table["wall_s"]).round(0)
    return table.round({"wall_s": 1})


def failure_table(results: Results) -> pd.DataFrame:
    """Per model: every policy reply (samples and repairs) and what became of it: ran, or failed, by kind (every
    kind a column, `truncated` first), and the share of replies cut at the token limit."""
    rows = []
    for model, frame in results.candidates.groupby("model", sort=False):
        kinds = frame["failure_kind"]
        row: dict[str, Any] = {"model": model, "replies": len(frame), "ran": int((kinds == "").sum())}
        row.update({kind: int((kinds == kind).sum()) for kind in typing.get_args(FailureKind)})
        row["truncation rate"] = round(row["truncated"] / len(frame), 3)
        rows.append(row)
    return pd.DataFrame(rows).set_index("model") if rows else pd.DataFrame()


def best_policy(results: Results, folder: Path) -> str:
    """The code of the reported PromptPO policy with the highest held-out score as a fraction of its task's optimum
    (or, without any optimum, the first run with a winner), as stored in `folder`/policies/; a sentence if no run
    had a winner."""
    runs = promptpo_summary(results).dropna(subset=["reported held-out"]) if len(results.rounds) else pd.DataFrame()
    if not len(runs):
        return "No PromptPO run of this grid had a winner: no candidate ran without failing."
    fractions = [fraction_of_optimum(results, t, v) for t, v in zip(runs["task"], runs["reported held-out"])]
    ranked = [f if f is not None else float("-inf") for f in fractions]
    row = runs.iloc[max(range(len(runs)), key=lambda i: ranked[i])]
    return (folder / "policies" / row["model"] / f"{row['task']}__seed{row['seed']}__best.py").read_text()


def failed_reply(results: Results, transcripts: Path = TRANSCRIPTS_DIR) -> str:
    """One reply whose candidate failed, as the model wrote it, with the failure's kind and message: the first
    in grid order, preferring kinds other than a timeout (whose reply is long but unremarkable)."""
    failed = results.candidates[results.candidates["failure_kind"] != ""]
    if not len(failed):
        return "No candidate of this grid failed."
    failed = failed.sort_values("failure_kind", key=lambda kinds: kinds == "timeout", kind="stable")
    row = failed.iloc[0]
    transcript = TranscriptStore(transcripts).by_key(row["transcript_key"])
    text = transcript.reply if transcript is not None else "(its transcript is not in this checkout)"
    return (
        f"{row['model']} on {row['task']} (seed {row['seed']}), round {row['round']}, sample {row['sample']}, "
        f"attempt {row['attempt']}: {row['failure_kind']}: {row['failure_message']}\n\n{text}"
    )


def docstring_section(cls: type, heading: str) -> str:
    """The `## <heading>...` section of `cls`'s docstring (the Gymnasium-style sections of this project's envs),
    heading line included, so that a notebook quotes what an env documents (e.g. its differences from the paper's
    simulator) instead of restating it. ValueError if the docstring has no such section."""
    doc = inspect.getdoc(cls) or ""
    match = re.search(rf"^## {re.escape(heading)}.*?(?=^## |\Z)", doc, re.S | re.M)
    if match is None:
        raise ValueError(f"the docstring of {cls.__name__} has no '## {heading}' section")
    return match.group(0).rstrip()
