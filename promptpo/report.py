"""Tables and figures rebuilt from a profile's tidy results (data/<family>/<profile>/): what the notebooks show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path




import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from promptpo.runner import ResultStore

METHOD_ORDER = ["promptpo", "ppo", "dqn", "sac"]
PALETTE = {"promptpo": "#c0392b", "ppo": "#2471a3", "dqn": "#28b463", "sac": "#8e44ad"}


@dataclass
class Results:
    """The tidy tables of one profile, restricted to the jobs of the current grid."""

    rounds: pd.DataFrame  # PromptPO: one row per (task, seed, round)
    curves: pd.DataFrame  # RL: one row per (task, algo, seed, env_steps)
    references: pd.DataFrame  # one row per (task, reference)

    @classmethod
    def load(cls, folder: Path, job_keys: set[str]) -> Results:
        def read(name: str) -> pd.DataFrame:
            path = folder / f"{name}.csv"
            frame = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["job", "task"])
            return frame[frame["job"].isin(job_keys)].reset_index(drop=True)

        if not ResultStore(folder).done() >= job_keys:
            missing = len(job_keys - ResultStore(folder).done())
            raise RuntimeError(f"{missing} jobs of this grid have no results in {folder}: run the grid first")
        return cls(read("promptpo_rounds"), read("learning_curves"), read("references"))

    def reference(self, task: str, kind: str) -> float | None:
        """The random ('random') or optimal score of `task`: the exact optimum where known, else the oracle's."""
        rows = self.references[self.references["task"] == task]
        if kind == "random":
            picked = rows[rows["reference"] == "random"]
        else:
            exact = rows[rows["reference"].str.startswith("optimal (exact")]
            picked = exact if len(exact) else rows[rows["reference"] != "random"]
        return float(picked["score"].iloc[0]) if len(picked) else None


def promptpo_summary(results: Results) -> pd.DataFrame:
    """Per task and seed: best held-out score over rounds, the last round's, env steps, LLM usage, failures."""
    rows = []
    for (task, seed), runs in results.rounds.groupby(["task", "seed"], sort=False):
        last = runs.iloc[-1]
        failures: dict[str, int] = {}
        for text in runs["failures"].dropna():
            for item in str(text).split(";"):
                kind, count = item.split("=")
                failures[kind] = failures.get(kind, 0) + int(count)
        rows.append({
            "task": task, "seed": seed, "model": last["model"], "rounds": len(runs),
            "best held-out": last["best_heldout_so_far"], "last round held-out": last["heldout_score"],
            "env steps": int(last["env_steps"]), "LLM calls": int(last["llm_calls"]),
            "runnable candidates": int(runs["candidates_ok"].sum()),
            "failed candidates": int(runs["candidates_failed"].sum()),
            "failures by kind": ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "-",
        })  # fmt: skip
    return pd.DataFrame(rows)


def reference_table(results: Results) -> pd.DataFrame:
    table = results.references.pivot_table(index="task", columns="reference", values="score", sort=False)
    return table.reindex(columns=sorted(table.columns, key=lambda c: (c != "random", c)))


def steps_to_fraction(results: Results, fractions: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
    """Environment steps each method needs until its score first reaches `fraction` x the optimal score.

    RL: the first evaluation point where the mean over seeds reaches it. PromptPO: the cumulative steps of the
    first round whose best held-out score (mean over seeds) reaches it. "not reached" otherwise. Only tasks with
    a positive optimum are listed (a fraction of a negative optimum has no meaning).
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
    """method -> (env steps, mean score over seeds) for one task; PromptPO uses best held-out so far."""
    series = {}
    rounds = results.rounds[results.rounds["task"] == task].dropna(subset=["best_heldout_so_far"])
    if len(rounds):
        mean = rounds.groupby("round", sort=True)[["env_steps", "best_heldout_so_far"]].mean()
        series["promptpo"] = (mean["env_steps"].to_numpy(), mean["best_heldout_so_far"].to_numpy())
    curves = results.curves[results.curves["task"] == task]
    for algo, frame in curves.groupby("algo", sort=False):
        mean = frame.groupby("env_steps", sort=True)["score"].mean()
        series[algo] = (mean.index.to_numpy(), mean.to_numpy())
    return series


def plot_score_vs_steps(results: Results, tasks: list[str], *, columns: int = 4, ylabel: str = "score") -> plt.Figure:
    """One panel per task: RL learning curves (mean and 95% bootstrap band over seeds), PromptPO's best held-out
    score at its cumulative environment steps after each round, and the random and optimal references."""
    rows = -(-len(tasks) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        curves = results.curves[results.curves["task"] == task]
        if len(curves):
            sns.lineplot(data=curves, x="env_steps", y="score", hue="algo", palette=PALETTE, errorbar=("ci", 95),
                         n_boot=200, seed=0, ax=ax, legend=False)  # fmt: skip
        rounds = results.rounds[results.rounds["task"] == task]
        scored = rounds.dropna(subset=["best_heldout_so_far"])
        if len(scored):
            ax.plot(scored["env_steps"], scored["best_heldout_so_far"], "o-", color=PALETTE["promptpo"], ms=5)
        elif len(rounds):
            ax.text(0.03, 0.5, "PromptPO: no runnable policy", transform=ax.transAxes, color=PALETTE["promptpo"],
                    fontsize=8)  # fmt: skip
        for kind, style in (("random", ":"), ("optimal", "--")):
            value = results.reference(task, kind)
            if value is not None:
                ax.axhline(value, color="0.35", linestyle=style, linewidth=1)
        ax.set_xscale("symlog", linthresh=100)
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(ylabel)
    for ax in axes.flat[len(tasks):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], color=PALETTE[m], marker="o" if m == "promptpo" else None, label=m.upper()
                          if m != "promptpo" else "PromptPO") for m in METHOD_ORDER if _has(results, m)]  # fmt: skip
    handles += [plt.Line2D([], [], color="0.35", linestyle=":", label="random"),
                plt.Line2D([], [], color="0.35", linestyle="--", label="optimal / oracle")]  # fmt: skip
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def plot_final_scores(results: Results, tasks: list[str]) -> plt.Figure:
    """Final held-out scores per task, normalised so that random = 0 and optimal/oracle = 1 (tasks differ in
    scale). RL: the last evaluation point, one dot per seed; PromptPO: best held-out score per seed."""
    rows = []
    for task in tasks:
        if normalised(results, task, 0.0) is None:
            continue
        for (algo, seed), frame in results.curves[results.curves["task"] == task].groupby(["algo", "seed"]):
            value = normalised(results, task, frame["score"].iloc[-1])
            rows.append({"task": task, "method": algo, "seed": seed, "normalised score": value})
        for seed, frame in results.rounds[results.rounds["task"] == task].groupby("seed"):
            best = frame["best_heldout_so_far"].iloc[-1]
            if pd.notna(best):
                value = normalised(results, task, best)
                rows.append({"task": task, "method": "promptpo", "seed": seed, "normalised score": value})
    data = pd.DataFrame(rows, columns=["task", "method", "seed", "normalised score"])
    figure, ax = plt.subplots(figsize=(max(6.0, 0.75 * len(tasks)), 4.0))
    order = [m for m in METHOD_ORDER if m in set(data["method"])]
    sns.stripplot(data=data, x="task", y="normalised score", hue="method", hue_order=order, palette=PALETTE,
                  dodge=True, jitter=False, size=5, ax=ax, order=tasks)  # fmt: skip
    ax.axhline(0, color="0.35", linestyle=":", linewidth=1)
    ax.axhline(1, color="0.35", linestyle="--", linewidth=1)
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_title("final held-out score (0 = random, 1 = optimal or oracle)")
    figure.tight_layout()
    return figure


def save(figure: plt.Figure, path: Path) -> Path:
    """Write a PNG without a timestamp or version in its metadata, so reruns give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, metadata={"Software": None})
    return path


def _has(results: Results, method: str) -> bool:
    if method == "promptpo":
        return len(results.rounds) > 0
    return len(results.curves) > 0 and method in set(results.curves["algo"])


def normalised(results: Results, task: str, value: float) -> float | None:
    """`value` on the scale random = 0, optimal (or oracle) = 1; None without both references."""
    low, high = results.reference(task, "random"), results.reference(task, "optimal")
    if low is None or high is None or high == low:
        return None
    return (value - low) / (high - low)


def family_summary(results: Results, tasks: list[str]) -> str:
    """A few sentences of facts computed from the results (no conclusions are written by hand)."""
    lines = []
    summary = promptpo_summary(results)
    if len(summary):
        candidates = int(summary["runnable candidates"].sum() + summary["failed candidates"].sum())
        failures: dict[str, int] = {}
        for text in summary["failures by kind"]:
            for item in filter(None, str(text).replace("-", "").split(", ")):
                kind, count = item.rsplit(" ", 1)
                failures[kind] = failures.get(kind, 0) + int(count)
        common = ", ".join(f"{kind} ({count})" for kind, count in sorted(failures.items(), key=lambda kv: -kv[1])[:3])
        scored = summary.dropna(subset=["best held-out"])
        lines.append(
            f"PromptPO with {', '.join(sorted(set(summary['model'])))}: {len(summary)} runs, {candidates} candidate "
            f"policies of which {int(summary['runnable candidates'].sum())} ran; the failures' kinds: {common or '-'}. "
            f"{len(scored)} of {len(summary)} runs had a winner; the runs used {int(summary['env steps'].min()):,} "
            f"to {int(summary['env steps'].max()):,} environment steps."
        )
        for _, row in scored.iterrows():
            value = normalised(results, row["task"], row["best held-out"])
            shown = f"{value:.2f} of the way from random to optimal" if value is not None else "no reference"
            lines.append(f"  {row['task']} (seed {row['seed']}): best held-out {row['best held-out']:.4g} ({shown}).")
    for algo, frame in results.curves.groupby("algo", sort=False):
        finals = []
        for task, curve in frame.groupby("task", sort=False):
            last = curve[curve["env_steps"] == curve["env_steps"].max()]["score"].mean()
            finals.append((task, normalised(results, task, last), int(curve["env_steps"].max())))
        known = [f for f in finals if f[1] is not None]
        near = [task for task, value, _ in known if value >= 0.9]
        lines.append(
            f"{algo.upper()} on {len(finals)} tasks (final point: {min(f[2] for f in finals):,} to "
            f"{max(f[2] for f in finals):,} steps): mean normalised final score "
            f"{np.mean([f[1] for f in known]):.2f}; at least 90% of the way to optimal on {len(near)} task(s)"
            + (f": {', '.join(near)}." if near else ".")
        )
    return "\n".join(lines)


def final_scores(results: Results) -> pd.DataFrame:
    """Per task: each method's final held-out score (RL: last evaluation point, mean over seeds; PromptPO: best
    held-out score of a round winner, mean over seeds) next to the references."""
    table: dict[str, dict[str, float]] = {}
    for (task, algo), frame in results.curves.groupby(["task", "algo"], sort=False):
        table.setdefault(task, {})[algo.upper()] = frame[frame["env_steps"] == frame["env_steps"].max()]["score"].mean()
    for task, frame in results.rounds.groupby("task", sort=False):
        best = frame.groupby("seed")["best_heldout_so_far"].last()
        table.setdefault(task, {})["PromptPO"] = best.mean() if best.notna().any() else np.nan
    for row in results.references.itertuples():
        table.setdefault(row.task, {})[row.reference] = row.score
    frame = pd.DataFrame.from_dict(table, orient="index")
    order = [c for c in ("PromptPO", "PPO", "DQN", "SAC") if c in frame.columns]
    return frame[order + [c for c in frame.columns if c not in order]]
