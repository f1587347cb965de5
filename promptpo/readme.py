"""The README's summary of the committed results, generated from data/: `python -m promptpo.readme` rewrites it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from promptpo import aggregates, report
from promptpo.experiments import grid, results_dir
from promptpo.paths import REPO_ROOT
from promptpo.runner import Job

README = REPO_ROOT / "README.md"
FIGURE = REPO_ROOT / "figures" / "all_families_aggregates.png"
BEGIN = "<!-- results: generated from data/ by `python -m promptpo.readme`; edits here are overwritten -->"
END = "<!-- end of generated results -->"
# family -> (title, notebook stem)
FAMILIES = {
    "hard_exploration": ("Hard exploration", "hard_exploration"),
    "metaworld": ("Meta-World", "metaworld"),
    "mujoco": ("MuJoCo", "mujoco"),
    "real_world": ("Real-world control", "real_world_control"),
}


Grid = tuple[report.Results, list[Job], list[str]]  # a family's default grid: its results, jobs and tasks


def _default_grids() -> dict[str, Grid]:
    """family -> its default grid's results, jobs and tasks (in grid order)."""
    loaded = {}
    for family in FAMILIES:
        jobs = grid(family, "default")
        results = report.Results.load(results_dir(family, "default"), {job.key for job in jobs})
        loaded[family] = results, jobs, list(dict.fromkeys(job.task for job in jobs))
    return loaded


def section() -> str:
    """Per family: the budgets of its default grid and its `report.headline_table`; then the rliable aggregates
    over every family's tasks (`pooled`), as Markdown."""
    parts = []
    grids = _default_grids()
    for family, (title, notebook) in FAMILIES.items():
        results, jobs, tasks = grids[family]
        promptpo_tasks = list(dict.fromkeys(job.task for job in jobs if job.method == "promptpo"))
        coverage = "" if promptpo_tasks == tasks else f"; PromptPO so far on {', '.join(promptpo_tasks)}"
        budgets = "\n".join(f"* {line}" for line in report.budget_text(jobs).splitlines())
        parts.append(
            f"**{title}** (`notebooks/{notebook}.ipynb`, {len(tasks)} tasks{coverage}):\n\n"
            + markdown_table(report.headline_table(results, tasks))
            + f"\n\n{budgets}"
        )
    scores, _, left_out = pooled(grids)
    parts.append(
        f"**Across the four families** ({scores['task'].nunique()} tasks; left out, no reference above random: "
        f"{', '.join(left_out) or 'none'}). IQM of the normalised scores (0 = random, 1 = the task's best reference) "
        "with 95% stratified-bootstrap CIs, from rliable; each notebook explains the scale, the budgets and the "
        f"intervals, and `{FIGURE.relative_to(REPO_ROOT)}` shows them with the performance profile:\n\n"
        + markdown_table(_shown(aggregates.aggregate_table(scores)))
    )
    return "\n\n".join(parts)


def pooled(grids: dict[str, Grid]) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """`aggregates.normalised_scores` over the tasks of every family's default grid (`_default_grids`), each
    method's plot colour (as its family notebooks draw it), and the tasks no aggregate includes."""
    frames, colours, left_out = [], {}, []
    for results, _, tasks in grids.values():
        frames.append(aggregates.normalised_scores(results, tasks))
        colours |= {method: results.colour(method) for method in results.methods()}
        left_out += aggregates.left_out(results, tasks)
    return pd.concat(frames, ignore_index=True), colours, left_out


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """`aggregates.aggregate_table` for the README: two decimals, each CI as one "[low, high]" column."""
    shown = table.reset_index(level="budget")[["budget", "tasks", "runs per task", "runs without a policy"]].copy()
    shown["IQM"] = table["IQM"].map("{:.2f}".format).to_numpy()
    for name, suffix in (("95% CI over runs", "(runs)"), ("95% CI over runs and tasks", "(runs, tasks)")):
        shown[name] = [
            f"[{low:.2f}, {high:.2f}]" for low, high in zip(table[f"CI low {suffix}"], table[f"CI high {suffix}"])
        ]
    return shown


def write_figure() -> None:
    """figures/all_families_aggregates.png from `pooled`."""
    scores, colours, _ = pooled(_default_grids())
    title = "All four families: final scores normalised per task (0 = random, 1 = best reference)"
    figure = aggregates.plot_aggregates(scores, aggregates.aggregate_table(scores), colours, title)
    report.save(figure, FIGURE)
    plt.close(figure)


def markdown_table(frame: pd.DataFrame) -> str:
    """`frame` as a GitHub Markdown table, its index as the first column (no dependency on `tabulate`)."""
    header = ["method", *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([str(index), *map(str, row)]) + " |" for index, row in frame.iterrows()]
    return "\n".join(lines)


def current(text: str) -> str:
    """The generated part of README text `text` (between BEGIN and END)."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"README.md has no generated results section (the lines {BEGIN!r} ... {END!r})")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def write() -> bool:
    """Rewrite README.md's generated section from data/; True when it changed."""
    text = README.read_text(encoding="utf-8")
    new = section()
    if current(text) == new:
        return False
    before, rest = text.split(BEGIN, 1)
    README.write_text(f"{before}{BEGIN}\n{new}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
    return True


if __name__ == "__main__":
    print("README.md results rewritten" if write() else "README.md results already match data/")
    write_figure()
    print(f"{FIGURE.relative_to(REPO_ROOT)} written")
