"""Every registered task keeps the parts of the Task contract that the sandbox relies on."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from promptpo.tasks import get_task, task_names


def same_observation(a: object, b: object) -> bool:
    return type(a) is type(b) and all(
        np.array_equal(getattr(a, field.name), getattr(b, field.name)) for field in dataclasses.fields(a)
    )


@pytest.mark.parametrize("name", task_names())
def test_observe_needs_only_the_info_the_policy_process_receives(name):
    """The sandbox sends the policy's process only `task.policy_info(info)` of each step's info: the observation
    built from that alone must be the one built from the whole info."""
    task = get_task(name)
    env, space = task.make_env(), copy.deepcopy(task.action_space)
    space.seed(0)
    try:
        obs, info = env.reset(seed=3)
        for _ in range(3):
            assert same_observation(task.observe(obs, info), task.observe(obs, task.policy_info(info)))
            obs, _, terminated, truncated, info = env.step(task.check_action(space.sample(), space))
            if terminated or truncated:
                break
    finally:
        env.close()
