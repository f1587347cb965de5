"""One policy file scored on held-out seeds as plain data (`promptpo evaluate --json`), with a secret seed base."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SEED_ENV = "PROMPTPO_SEED_BASE"  # an integer: the base of the held-out seeds
SEED_FILE_ENV = "PROMPTPO_SEED_FILE"  # the path of a file holding that integer
NOTEBOOK_PASS_ENV = "PROMPTPO_NOTEBOOK_PASS"  # set while `promptpo grade` runs a notebook: no seed, hidden parts wait


@dataclass(frozen=True)
class EvaluateConfig:
    """`promptpo evaluate`: score the policy in `policy` on `episodes` held-out episodes of `task`.

    The seed base is, first found: `seed`, the integer in `seed_file`, $PROMPTPO_SEED_BASE, the integer in the file
    named by $PROMPTPO_SEED_FILE, else 0 (the held-out seeds every method in this repository is reported on). A
    grader keeps its base in the environment or a file the evaluated author never sees; the report never shows it.
    """

    policy: Path
    task: str
    episodes: int = 20
    seed: int | None = None
    seed_file: Path | None = None
    json: bool = False  # print the report as one JSON object instead of a sentence


class SeedError(ValueError):
    """The seed base could not be read (a malformed variable or file)."""


def seed_base(config: EvaluateConfig, environ: dict[str, str] | None = None) -> tuple[int, str]:
    """(seed base, where it came from): see `EvaluateConfig`. The source names an option or variable, never the
    value, so it may be shown to the evaluated author."""
    environ = dict(os.environ) if environ is None else environ
    if config.seed is not None:
        return config.seed, "--seed"
    if config.seed_file is not None:
        return read_seed_file(config.seed_file), "--seed-file"
    if SEED_ENV in environ:
        return _parse_seed(environ[SEED_ENV], f"${SEED_ENV}"), f"${SEED_ENV}"
    if SEED_FILE_ENV in environ:
        return read_seed_file(Path(environ[SEED_FILE_ENV])), f"${SEED_FILE_ENV}"
    return 0, "default"


def read_seed_file(path: Path) -> int:
    """The seed base in the file at `path`; `SeedError` (one line) when it is unreadable or not one integer."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SeedError(f"cannot read the seed file {path}: {error.strerror}") from None
    return _parse_seed(text, f"the seed file {path}")


def _parse_seed(text: str, where: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise SeedError(f"{where} must hold one non-negative integer") from None
    if value < 0:
        raise SeedError(f"{where} must hold one non-negative integer")
    return value


def evaluate_policy(config: EvaluateConfig) -> dict[str, Any]:
    """Evaluate the policy file exactly as PromptPO evaluates a candidate (static checks, then the sandbox) and
    return the report: score (None when the evaluation failed), per-episode returns and successes, environment
    steps, the failure record (None when every episode ran), the seed source and the sandbox's active OS layers.

    A failure is data here, never an exception: a policy that loops, crashes, imports what it must not or writes to
    its observation gets its failure record and the episodes it finished before it.
    """
    from promptpo.evaluation import evaluate_codes, score
    from promptpo.rollout import heldout_seeds
    from promptpo.sandbox import EvalResult, Sandbox, check_source
    from promptpo.tasks import get_task

    task = get_task(config.task)
    base, source = seed_base(config)
    code = config.policy.read_text(encoding="utf-8", errors="replace")
    failure = check_source(code, task.policy_class_name, "act")
    if failure is not None:  # refused before it runs: no sandbox to start
        result, layers = EvalResult(failure=failure), {}
    else:
        with Sandbox([task.name], workers=1) as sandbox:
            [result] = evaluate_codes(sandbox, task, [code], heldout_seeds(config.episodes, base))
            layers = dict(sandbox.layers)
    return {
        "task": task.name,
        "score_kind": "success rate" if task.score == "success" else "mean return",
        "score": score(result, task),
        "episodes": config.episodes,
        "returns": [episode.episode_return for episode in result.episodes],
        "successes": [episode.success for episode in result.episodes],
        "env_steps": result.env_steps,
        "failure": asdict(result.failure) if result.failure is not None else None,
        "seed_source": source,
        "sandbox_layers": layers,
        "wall_s": result.wall_s,
    }
