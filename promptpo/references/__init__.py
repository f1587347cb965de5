"""Reference policies per task: random for every task, and the oracle of its family where one exists."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from promptpo.tasks import Task

Act = Callable[[Any], Any]


def random_policy(task: Task, seed: int = 0) -> Callable[[], Act]:
    """Factory of uniformly random policies; the k-th policy it makes samples with seed `seed + k`, so an
    evaluation over a fixed seed list is reproducible."""
    space = copy.deepcopy(task.action_space)  # its own copy: seeding must not touch the task's shared space
    counter = itertools.count(seed)

    def make_act() -> Act:
        space.seed(next(counter))
        return lambda observation: space.sample()

    return make_act


def oracle(task: Task) -> tuple[str, Callable[[], Act]] | None:
    """(name, factory) of the family's oracle for `task`: NoiseWorld's exact DP optimum, the maze planner on the
    true map, or Meta-World's scripted expert; None where the family has none (MuJoCo)."""
    if task.name.startswith("noise_world_"):
        from promptpo.references.noise_world_optimal import optimal_policy

        return "optimal (DP)", optimal_policy(task.board)  # type: ignore[attr-defined]
    if task.name.startswith("point_maze_"):
        from promptpo.references.maze_planner import maze_planner

        return "planner (A* + PD)", maze_planner(task)  # type: ignore[arg-type]
    if task.family == "metaworld":
        from promptpo.references.metaworld_experts import expert_policy

        return "scripted expert", expert_policy(task)
    return None


def exact_optimum(task: Task) -> float | None:
    """The task's optimal expected return when it is known exactly (NoiseWorld's V* by dynamic programming)."""
    if task.name.startswith("noise_world_"):
        from promptpo.references.noise_world_optimal import optimal_value

        return optimal_value(task.board)  # type: ignore[attr-defined]
    return None
