"""The references every task gets: a uniformly random policy and, where the action space has one, the zero action.
Each task's oracle and exact optimum come from the task itself (`Task.oracle`, `Task.exact_optimum`); their
implementations live in this package."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

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


def zero_action_policy(task: Task) -> Callable[[], Act] | None:
    """Factory of the policy that always returns the zero action (no torque, no force, hold still), for tasks whose
    action space is a Box containing 0; None otherwise (a Discrete space has no neutral action). It separates
    learning from standing still: a MuJoCo policy that only stands collects the healthy reward of every step."""
    space = task.action_space
    if not isinstance(space, gym.spaces.Box) or not np.all((space.low <= 0) & (space.high >= 0)):
        return None
    zero = np.zeros(space.shape)
    return lambda: lambda observation: zero.copy()
