"""Reference drivers for the traffic task: the human driver model (IDM) and constant accelerations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from promptpo.envs.traffic import MAX_ACCEL, NUM_SLOTS

Act = Callable[[Any], np.ndarray]


def idm_acceleration(
    speed: np.ndarray,
    leader_speed: np.ndarray,
    gap: np.ndarray,
    *,
    desired_speed: float = 30.0,
    time_headway: float = 1.0,
    max_accel: float = 1.0,
    comfortable_decel: float = 1.5,
    delta: float = 4.0,
    min_gap: float = 2.0,
) -> np.ndarray:
    """The Intelligent Driver Model's acceleration (m/s^2) with the humans' parameters, elementwise:
    a * (1 - (v / v0)^delta - (s* / s)^2), s* = s0 + max(0, v T + v (v - v_leader) / (2 sqrt(a b)))."""
    desired_gap = min_gap + np.maximum(
        0.0, speed * time_headway + speed * (speed - leader_speed) / (2 * np.sqrt(max_accel * comfortable_decel))
    )
    return max_accel * (1 - (speed / desired_speed) ** delta - (desired_gap / np.maximum(gap, 0.1)) ** 2)


def human_driver() -> Callable[[], Act]:
    """Factory of the policy that drives every controlled vehicle like a human (IDM from the observation),
    clipped to the action bounds."""

    def act(obs: Any) -> np.ndarray:
        accel = idm_acceleration(obs.speed, obs.leader_speed, obs.leader_gap)
        return np.where(obs.active, np.clip(accel, -MAX_ACCEL, MAX_ACCEL), 0.0)

    return lambda: act


def constant_acceleration(value: float) -> Callable[[], Act]:
    """Factory of the policy that gives every slot the acceleration `value` (0: hold speed; -1.5: brake)."""
    action = np.full(NUM_SLOTS, value)
    return lambda: lambda obs: action.copy()
