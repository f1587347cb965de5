"""The traffic task: accelerate or brake up to 10 vehicles merging from an on-ramp onto a full highway (SUMO)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from promptpo.envs.traffic import NUM_SLOTS, OBS_PER_SLOT, TrafficEnv, TrafficParams, merge_reward
from promptpo.tasks.base import Task, frozen_array

BENCHMARK_HORIZON = 300  # the benchmark's code; the paper states 500


@dataclass(frozen=True, eq=False)
class TrafficObservation:
    """What the policy sees after every 1-second step: up to 10 controlled vehicles ("slots") on the on-ramp or
    just past the merge, each with its own speed and its neighbours on its route (read-only arrays of 10, one entry
    per slot; copy before modifying).

    A slot holds a vehicle from when it enters the ramp until it leaves the network; then the slot is empty
    (active False) until the next controlled vehicle takes it. For an empty slot every value is 0. The leader
    is the next vehicle ahead on the vehicle's route (on the ramp, the merge or after it); the follower the
    next one behind. Gaps are bumper to bumper. Without a leader, leader_speed is 30 and leader_gap is
    network_length; without a follower, follower_speed is 0 and follower_gap is network_length.

    `vector` is the same information as the raw 50 numbers other methods receive, 5 per slot (slot i at
    vector[5*i : 5*i + 5]): speed / 30, (leader_speed - speed) / 30, leader_gap / network_length,
    (speed - follower_speed) / 30, follower_gap / network_length.
    """

    vector: np.ndarray  # (50,) the raw observation, laid out as above
    active: np.ndarray  # (10,) bool, True where the slot holds a vehicle
    speed: np.ndarray  # (10,) m/s, own speed
    leader_speed: np.ndarray  # (10,) m/s
    leader_gap: np.ndarray  # (10,) m
    follower_speed: np.ndarray  # (10,) m/s
    follower_gap: np.ndarray  # (10,) m
    network_length: float  # m, total length of the road network (about 325)


ACTION_MEANINGS = tuple(
    f"acceleration of the vehicle in slot {i}, m/s^2 (negative brakes; ignored while the slot is empty)"
    for i in range(NUM_SLOTS)
)

CONTEXT = """\
The road: a single-lane highway (vehicles enter 150 m before the merge and leave 75 m after it) joined by a
single-lane on-ramp (entering 100 m before the merge, at 45 degrees); speed limit 30 m/s. Human drivers arrive
at random, on average 7,500 vehicles per hour on the highway (more than one lane can carry, so the highway is
always full) and 337.5 per hour on the ramp; your controlled vehicles arrive on the ramp, on average 112.5 per
hour, at 7.5 m/s, so usually only a few slots are in use. At the merge, vehicles from the ramp and the
highway take turns (a zipper merge). Humans drive with the Intelligent Driver Model (desired speed 30 m/s, time
headway 1 s, maximum acceleration 1 m/s^2, comfortable braking 1.5 m/s^2, minimum gap 2 m). Each step lasts
1 s: your accelerations are applied 5 times, every 0.2 s; the simulator still keeps a controlled vehicle from
driving into the vehicle ahead of it."""


class TrafficTask(Task):
    """`TrafficEnv` (SUMO through libsumo, `promptpo.envs.traffic`) as a task.

    The env computes its reward with `merge_reward` itself, so no `ScoredByTask` wrapper: the function the LLM is
    shown is the one the env calls. References: the human driver model (IDM) applied through the action, holding
    speed (the runner's "zero action") and braking (`references.traffic_drivers`).
    """

    family = "real_world"
    score = "return"
    observation_type = TrafficObservation
    action_meanings = ACTION_MEANINGS
    extra_context = CONTEXT

    def __init__(self, name: str, horizon: int) -> None:
        self.name = name
        self.horizon = horizon
        self.params = TrafficParams(horizon=horizon)
        self.reward_function = merge_reward
        self.termination = (
            f"The episode ends at once, with reward 0 on that step, if two vehicles collide; otherwise it is "
            f"truncated after {horizon} steps ({horizon} s)."
        )

    def make_env(self) -> TrafficEnv:
        return TrafficEnv(self.params)

    def observe(self, obs: Any, info: dict[str, Any]) -> TrafficObservation:
        vector = np.asarray(obs, dtype=np.float64)
        slots = vector.reshape(NUM_SLOTS, OBS_PER_SLOT)
        max_speed, length = self.params.speed_limit, float(info["network_length"])
        speed = slots[:, 0] * max_speed
        return TrafficObservation(
            vector=frozen_array(vector),
            active=frozen_array(info["active"], dtype=bool),
            speed=frozen_array(speed),
            leader_speed=frozen_array(speed + slots[:, 1] * max_speed),
            leader_gap=frozen_array(slots[:, 2] * length),
            follower_speed=frozen_array(speed - slots[:, 3] * max_speed),
            follower_gap=frozen_array(slots[:, 4] * length),
            network_length=length,
        )

    def policy_info(self, info: dict[str, Any]) -> dict[str, Any]:
        return {"active": info["active"], "network_length": info["network_length"]}

    def references(self) -> list[tuple[str, Callable[[], Callable[[Any], Any]]]]:
        from promptpo.references.traffic_drivers import constant_acceleration, human_driver

        # Holding speed (acceleration 0) is the runner's "zero action" reference.
        return [("human driver (IDM)", human_driver()), ("always braking", constant_acceleration(-1.5))]


TASKS: dict[str, Callable[[], Task]] = {
    "traffic_merge": functools.partial(TrafficTask, name="traffic_merge", horizon=500),
}
