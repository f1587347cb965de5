"""Meta-World MT1 tasks (button-press, pick-place, door-open, drawer-open); v2 rewards reproduced from plain data."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from promptpo.tasks.base import ScoredByTask, Task, frozen_array, source_of

HORIZON = 500
"""Meta-World's `max_path_length`: every episode is truncated after 500 steps, success or not."""

BENCHMARK_SEED = 0
"""Seed of MT1's 50 task variations (object and goal placements), fixed so that every run shares the same 50."""


# ---- the observation the policy receives ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MetaWorldObservation:
    """Meta-World's 39-float observation, split into named read-only parts (the task's subclass says what the
    object is).

    Frame and units: positions in metres in the world frame; z points up, y points away from the robot's base;
    quaternions are unit quaternions (their component order is given by the task's subclass). Every array is
    read-only (writing raises ValueError): copy it (`np.array(a)`) before changing it.

    Layout of `vector` (float64, shape (39,)); each named field below is a view into it:
        [0:3]    hand_pos               [18:21]  prev_hand_pos
        [3]      gripper_distance       [21]     prev_gripper_distance
        [4:7]    object_pos             [22:25]  prev_object_pos
        [7:11]   object_quat            [25:29]  prev_object_quat
        [11:18]  zeros (padding)        [29:36]  zeros (padding)
        [36:39]  goal_pos
    Meta-World reserves 14 numbers per frame for up to two objects (position + quaternion each); these tasks have
    one object, so the second object's 7 slots are always 0. [18:36] is the previous step's [0:18]; right after
    reset it equals the current frame.
    """

    vector: np.ndarray
    """(39,) the whole observation, laid out as in the class docstring."""
    hand_pos: np.ndarray
    """(3,) x, y, z of the hand (the gripper's wrist body), m. The hand follows a target point that actions move
    and that is kept within x in [-0.5, 0.5], y in [0.40, 1.0], z in [0.05, 0.5]. The fingertips' midpoint
    (`tcp_center` in the reward) is about 0.045 m below hand_pos (within 0.01 m)."""
    gripper_distance: float
    """Distance between the two fingers divided by 0.1 m, clipped to [0, 1]: about 1.0 fully open, about 0.3
    fully closed on nothing, in between while closing or when an object is held between the fingers."""
    object_pos: np.ndarray
    """(3,) x, y, z of the task's object point, m (see the task's subclass)."""
    object_quat: np.ndarray
    """(4,) orientation of the task's object (see the task's subclass for the component order)."""
    prev_hand_pos: np.ndarray
    """(3,) hand_pos one step earlier, m."""
    prev_gripper_distance: float
    """gripper_distance one step earlier."""
    prev_object_pos: np.ndarray
    """(3,) object_pos one step earlier, m."""
    prev_object_quat: np.ndarray
    """(4,) object_quat one step earlier."""
    goal_pos: np.ndarray
    """(3,) the task's goal point, m; fixed during an episode (see the task's subclass)."""

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> "MetaWorldObservation":
        """The observation for one raw 39-float Meta-World observation (copied, made read-only)."""
        v = frozen_array(vector)
        if v.shape != (39,):
            raise ValueError(f"expected a (39,) Meta-World observation, got shape {v.shape}")
        return cls(
            vector=v,
            hand_pos=v[0:3],
            gripper_distance=float(v[3]),
            object_pos=v[4:7],
            object_quat=v[7:11],
            prev_hand_pos=v[18:21],
            prev_gripper_distance=float(v[21]),
            prev_object_pos=v[22:25],
            prev_object_quat=v[25:29],
            goal_pos=v[36:39],
        )


class ButtonPressObservation(MetaWorldObservation):
    """Button-press: push a button, which faces the robot, straight in along +y.

    object_pos: a point on the button's front end (the button body's position shifted by -0.193 m in y). Pressing
        the button moves it towards +y. Each episode places the button box at x in [-0.1, 0.1], y in [0.85, 0.9].
    object_quat: the button's orientation as (w, x, y, z); the button only slides, so it stays (1, 0, 0, 0).
    goal_pos: where object_pos is when the button is fully pressed in; only its y matters
        (success: |object_pos[1] - goal_pos[1]| <= 0.02).
    """


class PickPlaceObservation(MetaWorldObservation):
    """Pick-place: grasp a puck lying on the table and carry it to a goal point (in the air or on the table).

    object_pos: the puck's position (z is about 0.02 while it rests on the table). Each episode puts the puck at
        x in [-0.1, 0.1], y in [0.6, 0.7].
    object_quat: the puck's orientation as (x, y, z, w); (0, 0, 0, 1) when upright and unrotated.
    goal_pos: where the puck must be brought: x in [-0.1, 0.1], y in [0.8, 0.9], z in [0.05, 0.3]
        (success: |object_pos - goal_pos| <= 0.07).
    """


class DoorOpenObservation(MetaWorldObservation):
    """Door-open: pull a hinged door open by its handle; the door swings open towards the robot and to -x.

    object_pos: the centre of the door handle. Each episode places the door body at x in [0, 0.1], y in [0.85, 0.95].
    object_quat: the handle's orientation as (x, y, z, w); it turns as the door swings.
    goal_pos: the door body's position + (-0.3, -0.45, 0); only its x matters
        (success: |object_pos[0] - goal_pos[0]| <= 0.08).
    """


class DrawerOpenObservation(MetaWorldObservation):
    """Drawer-open: pull a drawer out of its cabinet, towards the robot (along -y), by its handle.

    object_pos: a point on the drawer's handle (the drawer body's position shifted by -0.16 m in y). The cabinet
        stands at x in [-0.1, 0.1], y = 0.9; with the drawer closed the handle point is at y = 0.73, z = 0.09.
    object_quat: the drawer's orientation as (w, x, y, z); the drawer only slides, so it stays (1, 0, 0, 0).
    goal_pos: the handle point of the opened drawer: 0.19 m in -y from where the handle starts
        (success: |object_pos - goal_pos| <= 0.03).
    """


# ---- reward helpers (Meta-World's reward_utils, restricted to what these tasks use) ------------------------------


def tolerance(x: float, bounds: tuple[float, float], margin: float, value_at_margin: float = 0.1) -> float:
    """1.0 when `x` lies in [bounds[0], bounds[1]]; outside, a long-tailed decay towards 0.

    With d the distance from `x` to the nearer bound divided by `margin`, the value is 1 / ((d * s)**2 + 1) where
    s = sqrt(1 / value_at_margin - 1) = 3, so it equals `value_at_margin` (0.1) at a distance of one margin, 0.5
    at a third of a margin, and ~0.01 at three margins. margin == 0: 0.0 outside the bounds.
    (dm_control's `tolerance` with sigmoid="long_tail", as Meta-World uses it.)
    """
    lower, upper = bounds
    if lower <= x <= upper:
        return 1.0
    if margin == 0:
        return 0.0
    d = (lower - x if x < lower else x - upper) / margin
    scale = math.sqrt(1.0 / value_at_margin - 1.0)
    return float(1.0 / ((d * scale) ** 2 + 1.0))


def hamacher_product(a: float, b: float) -> float:
    """Fuzzy AND of two values in [0, 1]: a*b / (a + b - a*b), 0.0 when both are 0. High only if both are high."""
    denominator = a + b - a * b
    return a * b / denominator if denominator > 0 else 0.0


# ---- button-press -----------------------------------------------------------------------------------------------


def button_press_reward(
    obs: MetaWorldObservation,
    action: np.ndarray,
    *,
    tcp_center: np.ndarray,
    init_tcp: np.ndarray,
    press_distance_init: float,
) -> float:
    """Reward of one button-press step, in [0, 10] (Meta-World's v2 reward of button-press-v3).

    Inputs (metres): `obs`, the observation after the step; `action`, the step's action (unused here);
    `tcp_center`, the midpoint of the two fingertips after the step (not in the observation: about
    obs.hand_pos + (0, 0, -0.045)); `init_tcp`, tcp_center right after reset; `press_distance_init`, the distance
    in y the button has to travel from fully out to fully pressed (0.0935 in every placement).

    Reward: 2 * (fingers open AND fingertips near the button) + 8 * (button pressed, counted only while the
    fingertips are within 0.05 m of the button point).
    """
    del action
    button = obs.object_pos
    tcp_to_button = float(np.linalg.norm(button - tcp_center))
    tcp_to_button_init = float(np.linalg.norm(button - init_tcp))
    press_remaining = abs(obs.goal_pos[1] - button[1])

    finger_opening = max(obs.gripper_distance, 0.0)  # Meta-World calls it tcp_closed, but 1 means open
    near_button = tolerance(tcp_to_button, bounds=(0.0, 0.05), margin=tcp_to_button_init)
    button_pressed = tolerance(press_remaining, bounds=(0.0, 0.005), margin=press_distance_init)

    reward = 2 * hamacher_product(finger_opening, near_button)
    if tcp_to_button <= 0.05:
        reward += 8 * button_pressed
    return float(reward)


def button_press_success(obs: MetaWorldObservation) -> bool:
    """Success (info["success"]) of a button-press step: the button is within 0.02 m (in y) of fully pressed."""
    return bool(abs(obs.goal_pos[1] - obs.object_pos[1]) <= 0.02)


# ---- pick-place -------------------------------------------------------------------------------------------------


def pick_place_grasp_reward(
    action: np.ndarray,
    puck: np.ndarray,
    *,
    tcp_center: np.ndarray,
    init_tcp: np.ndarray,
    obj_init_pos: np.ndarray,
    left_pad: np.ndarray,
    right_pad: np.ndarray,
    init_left_pad: np.ndarray,
    init_right_pad: np.ndarray,
) -> float:
    """How well the gripper cages (surrounds) and grips the puck, in [0, 1] (pick-place's `_gripper_caging_reward`).

    Caging in y: each finger pad should be between 0.015 m (the puck's radius) and 0.05 m from the puck's centre
    on its own side. Caging in x-z: the fingertips' midpoint should be within 0.005 m of the puck in the x-z
    plane. Gripping counts (the closing effort action[3], clipped to [0, 1]) only once caging exceeds 0.97.
    Result: (caging AND gripping + caging) / 2.
    """
    pad_success_margin = 0.05
    xz_success_margin = 0.005
    puck_radius = 0.015

    left_pad_to_puck = left_pad[1] - puck[1]
    puck_to_right_pad = puck[1] - right_pad[1]
    right_caging_margin = abs(abs(puck[1] - init_right_pad[1]) - pad_success_margin)
    left_caging_margin = abs(abs(puck[1] - init_left_pad[1]) - pad_success_margin)
    right_caging = tolerance(puck_to_right_pad, bounds=(puck_radius, pad_success_margin), margin=right_caging_margin)
    left_caging = tolerance(left_pad_to_puck, bounds=(puck_radius, pad_success_margin), margin=left_caging_margin)
    y_caging = hamacher_product(left_caging, right_caging)

    xz = [0, 2]
    tcp_to_puck_xz = float(np.linalg.norm(tcp_center[xz] - puck[xz]))
    xz_margin = float(np.linalg.norm(obj_init_pos[xz] - init_tcp[xz])) - xz_success_margin
    xz_caging = tolerance(tcp_to_puck_xz, bounds=(0.0, xz_success_margin), margin=xz_margin)

    gripper_closed = min(max(0, action[3]), 1)  # as Meta-World writes it: float32 for a float32 action
    caging = hamacher_product(y_caging, xz_caging)
    gripping = gripper_closed if caging > 0.97 else 0.0
    caging_and_gripping = hamacher_product(caging, gripping)
    return (caging_and_gripping + caging) / 2


def pick_place_reward(
    obs: MetaWorldObservation,
    action: np.ndarray,
    *,
    tcp_center: np.ndarray,
    init_tcp: np.ndarray,
    obj_init_pos: np.ndarray,
    left_pad: np.ndarray,
    right_pad: np.ndarray,
    init_left_pad: np.ndarray,
    init_right_pad: np.ndarray,
) -> float:
    """Reward of one pick-place step, in [0, 10] (Meta-World's v2 reward of pick-place-v3).

    Inputs (metres): `obs`, the observation after the step; `action`, the step's action as passed to env.step
    (float32; only action[3], the gripper command, matters); and, read from the simulator since the observation
    lacks them: `tcp_center`, the midpoint of the two fingertips (about obs.hand_pos + (0, 0, -0.045));
    `left_pad` / `right_pad`, positions of the two finger pads (left_pad has the larger y); `init_tcp`,
    `init_left_pad`, `init_right_pad`, the same right after reset; `obj_init_pos`, the puck's position at reset
    (z = 0.02).

    Reward: (puck grasped AND puck near the goal); plus 1 + 5 * (puck near the goal) while the fingertips are within
    0.02 m of the puck, gripper_distance > 0 (true unless the fingers touch each other) and the puck is lifted
    more than 0.01 m above its start; exactly 10 once the puck is within 0.05 m of the goal.
    """
    target_radius = 0.05
    puck = obs.object_pos
    target = obs.goal_pos

    puck_to_target = float(np.linalg.norm(puck - target))
    tcp_to_puck = float(np.linalg.norm(puck - tcp_center))
    in_place_margin = float(np.linalg.norm(obj_init_pos - target))
    in_place = tolerance(puck_to_target, bounds=(0.0, target_radius), margin=in_place_margin)

    grasped = pick_place_grasp_reward(
        action,
        puck,
        tcp_center=tcp_center,
        init_tcp=init_tcp,
        obj_init_pos=obj_init_pos,
        left_pad=left_pad,
        right_pad=right_pad,
        init_left_pad=init_left_pad,
        init_right_pad=init_right_pad,
    )
    reward = hamacher_product(grasped, in_place)
    if tcp_to_puck < 0.02 and obs.gripper_distance > 0 and puck[2] - 0.01 > obj_init_pos[2]:
        reward += 1.0 + 5.0 * in_place
    if puck_to_target < target_radius:
        reward = 10.0
    return float(reward)


def pick_place_success(obs: MetaWorldObservation) -> bool:
    """Success (info["success"]) of a pick-place step: the puck is within 0.07 m of the goal point."""
    return bool(np.linalg.norm(obs.object_pos - obs.goal_pos) <= 0.07)


# ---- door-open --------------------------------------------------------------------------------------------------


def door_open_reward(obs: MetaWorldObservation, action: np.ndarray, *, hinge_angle: float) -> float:
    """Reward of one door-open step, in [0, 10] (Meta-World's v2 reward of door-open-v3).

    Inputs: `obs`, the observation after the step (metres); `action`, the step's action as passed to env.step
    (float32; only action[3], the gripper command, matters); `hinge_angle`, the door hinge's angle after the step
    in radians, read from the simulator (0 = closed; it becomes negative as the door opens; range [-2, 0]).

    Reward: 2 * (hand ready to pull AND gripper command mapped to [0, 1]) + 8 * (door opened); exactly 10 once the
    handle's x is within 0.08 m of goal_pos[0] (success). Ready to pull = the hand is above a funnel-shaped
    "floor" around the handle (so it does not hit the handle from above) AND near a point just behind the handle.
    """
    grab_effort = float((np.clip(action[3], -1, 1) + 1.0) / 2.0)  # -1 (open) .. +1 (close) -> 0 .. 1

    hand = obs.hand_pos
    handle = obs.object_pos + np.array([-0.05, 0.0, 0.0])
    threshold = 0.12
    radius = float(np.linalg.norm(hand[:2] - handle[:2]))  # horizontal distance to the handle
    floor = 0.0 if radius <= threshold else 0.04 * np.log(radius - threshold) + 0.4
    if hand[2] >= floor:
        above_floor = 1.0
    else:
        above_floor = tolerance(floor - hand[2], bounds=(0.0, 0.01), margin=floor / 2.0)
    in_place = tolerance(
        float(np.linalg.norm(hand - handle - np.array([0.05, 0.03, -0.01]))),
        bounds=(0.0, threshold / 2.0),
        margin=0.5,
    )
    ready_to_open = hamacher_product(above_floor, in_place)

    opening = -hinge_angle
    tried = float(hinge_angle < -np.pi / 90.0)  # opened by more than 2 degrees
    opened = 0.2 * tried + 0.8 * tolerance(np.pi / 2.0 + np.pi / 6 - opening, bounds=(0.0, 0.5), margin=np.pi / 3.0)

    reward = 2.0 * hamacher_product(ready_to_open, grab_effort) + 8.0 * opened
    if door_open_success(obs):
        reward = 10.0
    return float(reward)


def door_open_success(obs: MetaWorldObservation) -> bool:
    """Success (info["success"]) of a door-open step: the handle's x is within 0.08 m of goal_pos[0]."""
    return bool(abs(obs.object_pos[0] - obs.goal_pos[0]) <= 0.08)


# ---- drawer-open ------------------------------------------------------------------------------------------------


def drawer_open_reward(obs: MetaWorldObservation, action: np.ndarray, *, init_tcp: np.ndarray) -> float:
    """Reward of one drawer-open step, in [0, 10] (Meta-World's v2 reward of drawer-open-v3).

    Inputs (metres): `obs`, the observation after the step; `action`, the step's action (unused here);
    `init_tcp`, the midpoint of the two fingertips right after reset, read from the simulator (about the initial
    hand_pos + (0, 0, -0.045)).

    Reward: 5 * (hand at the handle + drawer opened). The hand-to-handle error weighs x and y three times more
    than z so that the hand can come down onto the handle from above.
    """
    del action
    max_dist = 0.2  # how far the drawer must be pulled out
    hand = obs.hand_pos
    handle = obs.object_pos
    target = obs.goal_pos

    handle_error = float(np.linalg.norm(handle - target))
    reward_for_opening = tolerance(handle_error, bounds=(0.0, 0.02), margin=max_dist)

    handle_pos_init = target + np.array([0.0, max_dist, 0.0])  # near (0.01 m behind) the closed handle point
    scale = np.array([3.0, 3.0, 1.0])
    hand_error = (handle - hand) * scale
    hand_error_init = (handle_pos_init - init_tcp) * scale
    reward_for_caging = tolerance(
        float(np.linalg.norm(hand_error)), bounds=(0.0, 0.01), margin=float(np.linalg.norm(hand_error_init))
    )
    return float(5.0 * (reward_for_caging + reward_for_opening))


def drawer_open_success(obs: MetaWorldObservation) -> bool:
    """Success (info["success"]) of a drawer-open step: the handle point is within 0.03 m of goal_pos."""
    return bool(np.linalg.norm(obs.object_pos - obs.goal_pos) <= 0.03)


# ---- simulator quantities the rewards need (read by the wrapper, never given to policies) ------------------------
# Each reader takes the unwrapped Meta-World env (a SawyerXYZEnv) after a step and returns the keyword arguments
# of its task's reward function, as read-only arrays and floats. Values are copied: MuJoCo reuses its buffers.


def _button_press_inputs(sim: Any) -> dict[str, Any]:
    return {
        "tcp_center": frozen_array(sim.tcp_center),
        "init_tcp": frozen_array(sim.init_tcp),
        "press_distance_init": float(sim._obj_to_target_init),
    }


def _pick_place_inputs(sim: Any) -> dict[str, Any]:
    return {
        "tcp_center": frozen_array(sim.tcp_center),
        "init_tcp": frozen_array(sim.init_tcp),
        "obj_init_pos": frozen_array(sim.obj_init_pos),
        "left_pad": frozen_array(sim.get_body_com("leftpad")),
        "right_pad": frozen_array(sim.get_body_com("rightpad")),
        "init_left_pad": frozen_array(sim.init_left_pad),
        "init_right_pad": frozen_array(sim.init_right_pad),
    }


def _door_open_inputs(sim: Any) -> dict[str, Any]:
    return {"hinge_angle": float(sim.data.joint("doorjoint").qpos.item())}


def _drawer_open_inputs(sim: Any) -> dict[str, Any]:
    return {"init_tcp": frozen_array(sim.init_tcp)}


# ---- the environment ------------------------------------------------------------------------------------------------


class SeededReset(gym.Wrapper):
    """`reset(seed=s)` reseeds Meta-World's generator with `s` before MT1 picks the episode's task variation (one of
    the 50 drawn with BENCHMARK_SEED), because Meta-World's own `reset` ignores its `seed` argument. The rest of a
    reset is deterministic (MuJoCo state reset, fixed hand start), so a seed fixes the whole episode for a
    deterministic policy. `reset()` without a seed continues the generator.
    """

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        if seed is not None:
            self.env.unwrapped.seed(seed)
        return self.env.reset(seed=seed, options=options)


# ---- the tasks ------------------------------------------------------------------------------------------------------


class MetaWorldTask(Task):
    """One Meta-World MT1 task (button-press-v3, pick-place-v3, door-open-v3 or drawer-open-v3).

    ## Environment
    `gym.make("Meta-World/MT1", env_name=..., seed=BENCHMARK_SEED)` (50 fixed placements of object and goal)
    wrapped in `SeededReset` (`reset(seed=s)` picks the placement from `s`) and `ScoredByTask` (reward and
    success from the documented functions, see `score_step`).

    ## Observation
    A read-only `MetaWorldObservation` subclass built from Meta-World's 39 floats: hand, gripper opening, object
    pose, the same one step earlier, goal.

    ## Action
    Box(-1, 1, (4,), float32): hand displacement x, y, z (1 = 0.01 m per step) and gripper command.

    ## Reward
    The task's v2 reward (what Meta-World 3.1.1 uses by default), reproduced by `reward_function` from the
    observation, the action and the few simulator quantities `simulator_inputs` reads; `success_function`
    reproduces info["success"]. `reward_source()` shows both with every helper they call.

    ## Termination
    None: episodes are truncated after 500 steps, even after success. Score: success, the max over steps of
    info["success"].
    """

    family = "metaworld"
    horizon = HORIZON
    score = "success"
    action_meanings = (
        "hand displacement along x: the hand's target point moves by 0.01 m * action[0] this step",
        "hand displacement along y (away from the robot's base for action[1] > 0), 0.01 m * action[1]",
        "hand displacement along z (up for action[2] > 0), 0.01 m * action[2]",
        "gripper: positive closes the fingers, negative opens them; +1 closes fully (gripper_distance about 0.3 "
        "with nothing held), -1 opens fully (about 1.0), values in between settle in between",
    )
    termination = (
        "Episodes never terminate early, not even on success: every episode runs exactly 500 steps (it is "
        "truncated at step 500). The score of an episode is 1 if info['success'] was true at any step."
    )
    extra_context = (
        "Actions move a target point that the hand follows (the hand may lag behind it a little); the target "
        "point stays inside x in [-0.5, 0.5], y in [0.40, 1.0], z in [0.05, 0.5]. Each episode places the "
        "object and the goal anew (one of 50 fixed placements), so read them from the observation. The reward's "
        "extra inputs (fingertip midpoint, finger pads, door hinge angle, initial positions) are read from the "
        "simulator for scoring; the policy does not receive them."
    )

    def __init__(
        self,
        name: str,
        env_name: str,
        observation_type: type[MetaWorldObservation],
        reward_function: Callable[..., float],
        success_function: Callable[[MetaWorldObservation], bool],
        simulator_inputs: Callable[[Any], dict[str, Any]],
        *,
        paper_rounds: int,
        reward_helpers: tuple[Callable[..., Any], ...] = (tolerance, hamacher_product),
    ) -> None:
        self.name = name
        self.env_name = env_name
        self.observation_type = observation_type
        self.reward_function = reward_function
        self.success_function = success_function
        self.simulator_inputs = simulator_inputs
        self.reward_helpers = reward_helpers
        self.paper_rounds = paper_rounds

    def make_env(self) -> gym.Env:
        import metaworld  # noqa: F401  (registers the Meta-World/* ids; slow, so imported only here)

        env = gym.make("Meta-World/MT1", env_name=self.env_name, seed=BENCHMARK_SEED, disable_env_checker=True)
        if env.unwrapped.reward_function_version != "v2":
            raise RuntimeError(f"{self.env_name} uses reward {env.unwrapped.reward_function_version}, expected v2")
        return ScoredByTask(SeededReset(env), self)

    def oracle(self) -> tuple[str, Callable[[], Callable[[Any], Any]]]:
        """Meta-World's own scripted expert for this task (`references.metaworld_experts`)."""
        from promptpo.references.metaworld_experts import expert_policy

        return "scripted expert", expert_policy(self)

    def score_step(self, sim: Any, before: Any, action: Any, obs: Any, info: dict[str, Any]) -> tuple[float, bool]:
        """reward = `reward_function(observation, action, **simulator inputs)`, success = `success_function
        (observation)`: the observation is the step's raw observation in the task's observation class, the
        simulator inputs the few plain quantities the reward needs that the observation lacks."""
        observation = self.observe(obs, info)
        reward = self.reward_function(observation, action, **self.simulator_inputs(sim))
        return reward, self.success_function(observation)

    def observe(self, obs: Any, info: dict[str, Any]) -> MetaWorldObservation:
        return self.observation_type.from_vector(obs)

    def observation_source(self) -> str:
        """The shared observation class followed by the task's subclass, which says what object and goal are."""
        return source_of(MetaWorldObservation) + "\n\n" + source_of(self.observation_type)

    def reward_source(self) -> str:
        """Helpers, then the reward function, then the success rule: everything the reward depends on."""
        functions = (*self.reward_helpers, self.reward_function, self.success_function)
        return "\n\n".join(source_of(function) for function in functions)


TASKS: dict[str, Callable[[], Task]] = {
    "metaworld_button_press": functools.partial(
        MetaWorldTask,
        name="metaworld_button_press",
        env_name="button-press-v3",
        observation_type=ButtonPressObservation,
        reward_function=button_press_reward,
        success_function=button_press_success,
        simulator_inputs=_button_press_inputs,
        paper_rounds=10,
    ),
    "metaworld_pick_place": functools.partial(
        MetaWorldTask,
        name="metaworld_pick_place",
        env_name="pick-place-v3",
        observation_type=PickPlaceObservation,
        reward_function=pick_place_reward,
        success_function=pick_place_success,
        simulator_inputs=_pick_place_inputs,
        paper_rounds=10,
        reward_helpers=(tolerance, hamacher_product, pick_place_grasp_reward),
    ),
    "metaworld_door_open": functools.partial(
        MetaWorldTask,
        name="metaworld_door_open",
        env_name="door-open-v3",
        observation_type=DoorOpenObservation,
        reward_function=door_open_reward,
        success_function=door_open_success,
        simulator_inputs=_door_open_inputs,
        paper_rounds=20,
    ),
    "metaworld_drawer_open": functools.partial(
        MetaWorldTask,
        name="metaworld_drawer_open",
        env_name="drawer-open-v3",
        observation_type=DrawerOpenObservation,
        reward_function=drawer_open_reward,
        success_function=drawer_open_success,
        simulator_inputs=_drawer_open_inputs,
        paper_rounds=20,
    ),
}
