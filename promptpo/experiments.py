"""Experiment profiles (smoke, default, paper) of each notebook, read from data/profiles/<family>.yml, as job grids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from promptpo.baselines import SUPPORTED_ACTION_SPACES
from promptpo.llm import LLMConfig
from promptpo.paths import DATA_DIR
from promptpo.runner import Job
from promptpo.tasks import get_task

PROFILES_DIR = DATA_DIR / "profiles"


def load_profile(family: str, profile: str) -> dict[str, Any]:
    path = PROFILES_DIR / f"{family}.yml"
    profiles = yaml.safe_load(path.read_text(encoding="utf-8"))
    if profile not in profiles:
        raise KeyError(f"profile {profile!r} is not in {path}; available: {sorted(profiles)}")
    return profiles[profile]


def results_dir(family: str, profile: str) -> Path:
    """Where a profile's tidy results live: data/<family>/<profile>/."""
    return DATA_DIR / family / profile


def grid(
    family: str,
    profile: str,
    *,
    tasks: list[str] | None = None,
    model: str | None = None,
    base_url: str | None = None,
    llm_mode: str | None = None,
    rounds: int | None = None,
    n_gens: int | None = None,
    episodes: int | None = None,
    seeds: list[int] | None = None,
    methods: tuple[str, ...] = ("reference", "promptpo", "ppo", "dqn", "sac"),
) -> list[Job]:
    """The jobs of `profile`, with notebook parameters overriding it where given (None keeps the profile's value).

    PromptPO runs once per model of the profile's `models` list (or its `llm.model`); `model` replaces that list.
    Order: references, then PromptPO (model x task x seed), then each RL algorithm (task x seed) on the tasks whose
    action space it supports.
    """
    spec = load_profile(family, profile)
    tasks = tasks or spec["tasks"]
    jobs = []
    if "reference" in methods:
        jobs += [Job(task, "reference", 0, {"episodes": spec["reference_episodes"]}) for task in tasks]
    if "promptpo" in methods and "promptpo" in spec:
        config = dict(spec["promptpo"])
        config.update(
            {k: v for k, v in (("rounds", rounds), ("n_gens", n_gens), ("episodes", episodes)) if v is not None}
        )
        llm = dict(spec.get("llm", {}))
        llm.update({k: v for k, v in (("base_url", base_url), ("llm_mode", llm_mode)) if v is not None})
        models = [model] if model is not None else spec.get("models", [llm.get("model", LLMConfig.model)])
        jobs += [
            Job(task, "promptpo", seed, {**config, "llm": {**llm, "model": name}})
            for name in models
            for task in tasks
            for seed in seeds or spec["seeds"]
        ]
    for algo, settings in spec.get("baselines", {}).items():
        if algo not in methods:
            continue
        settings = dict(settings)
        algo_seeds, algo_tasks = settings.pop("seeds"), settings.pop("tasks", tasks)
        for task in [t for t in algo_tasks if t in tasks]:
            if isinstance(get_task(task).action_space, SUPPORTED_ACTION_SPACES[algo]):
                jobs += [Job(task, algo, seed, settings) for seed in algo_seeds]
    return jobs
