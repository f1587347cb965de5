"""The random reference of every task. Each task's oracle and exact optimum come from the task itself
(`Task.oracle`, `Task.exact_optimum`); their implementations live in this package."""

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
