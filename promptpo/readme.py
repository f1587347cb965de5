"""The README's summary of the committed results, generated from data/: `python -m promptpo.readme` rewrites it."""

from __future__ import annotations

import pandas as pd

from promptpo import report
from promptpo.experiments import grid, results_dir
from promptpo.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
BEGIN = "<!-- results: generated from data/ by `python -m promptpo.readme`; edits here are overwritten -->"
END = "<!-- end of generated results -->"
# family -> (title, notebook stem)
FAMILIES = {
    "hard_exploration": ("Hard exploration", "hard_exploration"),
    "metaworld": ("Meta-World", "metaworld"),
    "mujoco": ("MuJoCo", "mujoco"),
    "real_world": ("Real-world control", "real_world_control"),
}


def section() -> str:
    """Per family: the budgets of its default grid and its `report.headline_table`, as Markdown."""
    parts = []
    for family, (title, notebook) in FAMILIES.items():
        jobs = grid(family, "default")
        results = report.Results.load(results_dir(family, "default"), {job.key for job in jobs})
        tasks = list(dict.fromkeys(job.task for job in jobs))
        promptpo_tasks = list(dict.fromkeys(job.task for job in jobs if job.method == "promptpo"))
        coverage = "" if promptpo_tasks == tasks else f"; PromptPO so far on {', '.join(promptpo_tasks)}"
        budgets = "\n".join(f"* {line}" for line in report.budget_text(jobs).splitlines())
        parts.append(
            f"**{title}** (`notebooks/{notebook}.ipynb`, {len(tasks)} tasks{coverage}):\n\n"
            + markdown_table(report.headline_table(results, tasks))
            + f"\n\n{budgets}"
        )
    return "\n\n".join(parts)


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
