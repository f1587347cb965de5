"""Experiment profiles (smoke, default, paper) of each notebook, read from data/profiles/<family>.yml, as job grids."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import yaml

from promptpo.algorithms import SUPPORTED_ACTION_SPACES
from promptpo.files import slug
from promptpo.llm import LLMConfig
from promptpo.paths import DATA_DIR, FIGURES_DIR, RUNS_DIR
from promptpo.runner import Job, Method
from promptpo.tasks import get_task, task_names

PROFILES_DIR = DATA_DIR / "profiles"


def load_profile(family: str, profile: str) -> dict[str, Any]:
    path = PROFILES_DIR / f"{family}.yml"
    profiles = yaml.safe_load(path.read_text(encoding="utf-8"))
    if profile not in profiles:
        raise KeyError(f"profile {profile!r} is not in {path}; available: {sorted(profiles)}")
    return profiles[profile]


METHODS: tuple[str, ...] = typing.get_args(Method)
# Notebook / CLI parameters that override a profile's PromptPO or LLM settings (names of PromptPOConfig and
# LLMConfig fields). The LLM's mode, endpoint and key variable do not change results (LLMConfig.RESULT_NEUTRAL).
PROMPTPO_KNOBS = ("rounds", "n_gens", "episodes", "max_repairs", "reflection", "feedback", "history")
LLM_KNOBS = ("model", "base_url", "api_key_env", "llm_mode", "max_tokens", "temperature")


class ParameterError(ValueError):
    """A notebook or grid parameter has a value it cannot take; the message names the parameter."""


def results_dir(family: str, profile: str) -> Path:
    """Where a profile's committed tidy results live: data/<family>/<profile>/."""
    return DATA_DIR / family / profile


def output_dirs(family: str, profile: str, changed: dict[str, Any]) -> tuple[Path, Path]:
    """(results folder, figures folder) of a notebook run. The `default` profile without result-changing
    parameters writes the committed data/<family>/default/ and figures/; any other profile or parameter writes a
    folder of its own under runs/ named after them, so that it never overwrites a committed result."""
    neutral = LLMConfig.RESULT_NEUTRAL
    changed = {name: value for name, value in changed.items() if value is not None and name not in neutral}
    if profile == "default" and not changed:
        return results_dir(family, profile), FIGURES_DIR
    parts = [profile] + [f"{name}-{slug(str(value))}" for name, value in sorted(changed.items())]
    folder = RUNS_DIR / "notebooks" / family / slug("_".join(parts))[:120]
    return folder / "results", folder / "figures"


def as_list(name: str, value: Any, kind: type) -> list[Any] | None:
    """A list parameter from a notebook or the command line: None, a list, one value, or a string holding a YAML
    list or comma-separated values (papermill's `-p seeds 0,1` or `-p tasks "[a, b]"`); `ParameterError` names the
    parameter when an element is not a `kind`."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = yaml.safe_load(value) if value.strip().startswith("[") else value.split(",")
        value = [yaml.safe_load(item) if isinstance(item, str) else item for item in parsed]
    items = value if isinstance(value, (list, tuple)) else [value]
    if kind is str:
        items = [str(item).strip() for item in items]
    if not items or any(not isinstance(item, kind) or isinstance(item, bool) for item in items):
        raise ParameterError(f"{name}: expected one or more {kind.__name__} values, got {value!r}")
    return list(items)


def grid(
    family: str,
    profile: str,
    *,
    tasks: Any = None,
    seeds: Any = None,
    methods: Any = None,
    **overrides: Any,
) -> list[Job]:
    """The jobs of `profile`, with notebook parameters overriding it where given (None keeps the profile's value).

    `tasks`, `seeds` and `methods` accept what `as_list` does; `overrides` are PROMPTPO_KNOBS and LLM_KNOBS.
    PromptPO runs once per model of the profile's `models` list (or its `llm.model`); `model` replaces that list.
    PromptPO, like each baseline, runs on the profile's `tasks` unless its section names a subset (`tasks:` in it).
    Order: references, then PromptPO (model x task x seed), then each RL algorithm (task x seed) on the tasks whose
    action space it supports. Raises `ParameterError` for an unknown parameter, task or method.
    """
    unknown = set(overrides) - set(PROMPTPO_KNOBS) - set(LLM_KNOBS)
    if unknown:
        raise ParameterError(f"{sorted(unknown)[0]}: not a parameter; known: {', '.join(PROMPTPO_KNOBS + LLM_KNOBS)}")
    spec = load_profile(family, profile)
    tasks = as_list("tasks", tasks, str) or spec["tasks"]
    known_tasks = task_names(family)
    if stray := [task for task in tasks if task not in known_tasks]:
        raise ParameterError(f"tasks: {stray[0]!r} is not a {family} task; known: {', '.join(known_tasks)}")
    seeds = as_list("seeds", seeds, int)
    methods = as_list("methods", methods, str) or list(METHODS)
    if stray := [method for method in methods if method not in METHODS]:
        raise ParameterError(f"methods: {stray[0]!r} is not a method; known: {', '.join(METHODS)}")
    jobs = []
    if "reference" in methods:
        jobs += [Job(task, "reference", 0, {"episodes": spec["reference_episodes"]}) for task in tasks]
    if "promptpo" in methods and "promptpo" in spec:
        config = dict(spec["promptpo"])
        promptpo_tasks = [task for task in config.pop("tasks", tasks) if task in tasks]
        config.update({k: overrides[k] for k in PROMPTPO_KNOBS if overrides.get(k) is not None})
        llm = dict(spec.get("llm", {}))
        llm.update({k: overrides[k] for k in LLM_KNOBS if k != "model" and overrides.get(k) is not None})
        model = overrides.get("model")
        models = [model] if model is not None else spec.get("models", [llm.get("model", LLMConfig.model)])
        jobs += [
            Job(task, "promptpo", seed, {**config, "llm": {**llm, "model": name}})
            for name in models
            for task in promptpo_tasks
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
