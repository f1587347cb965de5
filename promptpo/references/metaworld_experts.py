"""Meta-World's scripted expert policies (`metaworld.policies`) as reference factories: the oracle row."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from promptpo.tasks.base import Task
from promptpo.tasks.metaworld import MetaWorldObservation, MetaWorldTask

Act = Callable[[MetaWorldObservation], np.ndarray]


def expert_policy(task: Task) -> Callable[[], Act]:
    """A zero-arg factory of `act(observation) -> action` running Meta-World's scripted expert for `task`.

    The expert reads a writable copy of `observation.vector` (some experts edit their parsed observation in place)
    and its action is clipped to [-1, 1]: the experts' proportional controllers ask for more than the action
    bounds allow, which Meta-World clips silently but `Task.check_action` rejects; the gripper commands are
    already in range, so clipping changes nothing the simulator would not have clipped itself.
    """
    from metaworld.policies import ENV_POLICY_MAP  # imported here: importing metaworld is slow

    if not isinstance(task, MetaWorldTask):
        raise TypeError(f"no Meta-World expert for task {getattr(task, 'name', task)!r}")
    policy_class = ENV_POLICY_MAP[task.env_name]

    def make_act() -> Act:
        policy = policy_class()

        def act(observation: MetaWorldObservation) -> np.ndarray:
            with warnings.catch_warnings():  # the experts warn whenever their gain exceeds the action bounds
                warnings.simplefilter("ignore")
                action = policy.get_action(np.array(observation.vector))
            return np.clip(action, -1.0, 1.0)

        return act

    return make_act
