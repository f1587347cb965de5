"""MuJoCo rewards and termination rules as the LLM is shown them: self-contained reproductions of the v5 envs' rewards
with their default weights (tests/test_mujoco_tasks.py checks them against Gymnasium step by step)."""

from __future__ import annotations

import numpy as np

# ---- what the LLM is shown: reward functions and termination rules ----------------------------------------------
# Each function reproduces the Gymnasium v5 env's own computation with its default constructor arguments, from
# plain numbers the wrapper below reads from the simulator; tests check |ours - env| < 1e-6 at every step.


def ant_is_healthy(qpos: np.ndarray, qvel: np.ndarray) -> bool:
    """Ant-v5 health rule, checked after every step; the episode terminates as soon as it is False.

    Inputs: the full joint positions qpos (15,) and velocities qvel (14,) after the step; qpos[2] is the torso
    height in metres (`obs.torso_z`). Healthy = every number in qpos and qvel is finite and 0.2 <= torso height
    <= 1.0 (the ant must not collapse, nor jump so high that its torso rises above 1 m).
    """
    min_z, max_z = 0.2, 1.0
    state = np.concatenate([qpos, qvel])
    return bool(np.isfinite(state).all() and min_z <= qpos[2] <= max_z)


def ant_reward(
    x_before: float,
    x_after: float,
    dt: float,
    action: np.ndarray,
    contact_forces: np.ndarray,
    healthy: bool,
) -> float:
    """Ant-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        x_before, x_after: torso x position (m) before and after the step, as MuJoCo reports the torso body's
            position. Not in the standard observation: (x_after - x_before) / dt is the torso's mean forward
            velocity over the step, close to `obs.torso_velocity[0]`.
        dt: duration of one step (s): 5 physics steps of 0.01 s = 0.05 s.
        action: (8,) the action applied during the step, each entry in [-1, 1].
        contact_forces: (13, 6) external contact wrenches on the 13 bodies after the step, before clipping;
            `obs.contact_forces` is this array clipped to [-1, 1].
        healthy: `ant_is_healthy(qpos, qvel)` after the step.
    Returns forward_reward + healthy_reward - ctrl_cost - contact_cost.
    """
    forward_reward_weight = 1.0
    healthy_reward_value = 1.0  # paid for every step that leaves the ant healthy
    ctrl_cost_weight = 0.5
    contact_cost_weight = 5e-4
    contact_force_range = (-1.0, 1.0)

    x_velocity = (x_after - x_before) / dt
    forward_reward = x_velocity * forward_reward_weight
    healthy_reward = healthy_reward_value if healthy else 0.0
    ctrl_cost = float(ctrl_cost_weight * np.sum(np.square(action)))
    clipped_forces = np.clip(contact_forces, *contact_force_range)
    contact_cost = float(contact_cost_weight * np.sum(np.square(clipped_forces)))
    return float((forward_reward + healthy_reward) - (ctrl_cost + contact_cost))


def half_cheetah_reward(x_before: float, x_after: float, dt: float, action: np.ndarray) -> float:
    """HalfCheetah-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        x_before, x_after: torso x position (m, rootx) before and after the step. Not in the standard
            observation: (x_after - x_before) / dt is the mean forward velocity over the step, close to
            `obs.torso_x_velocity`.
        dt: duration of one step (s): 5 physics steps of 0.01 s = 0.05 s.
        action: (6,) the action applied during the step, each entry in [-1, 1].
    Returns forward_reward - ctrl_cost (there is no termination and no healthy reward).
    """
    forward_reward_weight = 1.0
    ctrl_cost_weight = 0.1

    x_velocity = (x_after - x_before) / dt
    forward_reward = forward_reward_weight * x_velocity
    ctrl_cost = float(ctrl_cost_weight * np.sum(np.square(action)))
    return float(forward_reward - ctrl_cost)


def hopper_is_healthy(qpos: np.ndarray, qvel: np.ndarray) -> bool:
    """Hopper-v5 health rule, checked after every step; the episode terminates as soon as it is False.

    Inputs: the full joint positions qpos (6,) = (rootx, rootz, rooty, thigh, leg, foot) and velocities qvel (6,)
    after the step, not clipped. Healthy = all three hold:
      - every entry of qpos[2:] and qvel lies strictly inside (-100, 100);
      - torso height qpos[1] (`obs.torso_z`, m) > 0.7 (strictly, and finite);
      - torso pitch qpos[2] (`obs.torso_angle`, rad) strictly inside (-0.2, 0.2).
    """
    min_state, max_state = -100.0, 100.0
    min_z, max_z = 0.7, float("inf")
    min_angle, max_angle = -0.2, 0.2
    z, angle = qpos[1], qpos[2]
    state = np.concatenate([qpos[2:], qvel])
    healthy_state = bool(np.all((min_state < state) & (state < max_state)))
    return bool(healthy_state and min_z < z < max_z and min_angle < angle < max_angle)


def hopper_reward(x_before: float, x_after: float, dt: float, action: np.ndarray, healthy: bool) -> float:
    """Hopper-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        x_before, x_after: torso x position (m, rootx) before and after the step. Not in the standard
            observation: (x_after - x_before) / dt is the mean forward velocity over the step, close to
            `obs.torso_x_velocity`.
        dt: duration of one step (s): 4 physics steps of 0.002 s = 0.008 s.
        action: (3,) the action applied during the step, each entry in [-1, 1].
        healthy: `hopper_is_healthy(qpos, qvel)` after the step.
    Returns forward_reward + healthy_reward - ctrl_cost.
    """
    forward_reward_weight = 1.0
    healthy_reward_value = 1.0
    ctrl_cost_weight = 1e-3

    x_velocity = (x_after - x_before) / dt
    forward_reward = forward_reward_weight * x_velocity
    healthy_reward = healthy_reward_value if healthy else 0.0
    ctrl_cost = float(ctrl_cost_weight * np.sum(np.square(action)))
    return float((forward_reward + healthy_reward) - ctrl_cost)


def humanoid_is_healthy(qpos: np.ndarray) -> bool:
    """Humanoid-v5 health rule, checked after every step; the episode terminates as soon as it is False.

    Input: the full joint positions qpos (24,) after the step; qpos[2] is the torso height in metres
    (`obs.torso_z`). Healthy = 1.0 < torso height < 2.0 (strictly): the humanoid has not fallen.
    """
    min_z, max_z = 1.0, 2.0
    return bool(min_z < qpos[2] < max_z)


def humanoid_reward(
    x_before: float,
    x_after: float,
    dt: float,
    action: np.ndarray,
    contact_forces: np.ndarray,
    healthy: bool,
) -> float:
    """Humanoid-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        x_before, x_after: x coordinate (m) of the whole humanoid's centre of mass (mass-weighted mean of the
            bodies' centres of mass) before and after the step. Not in the standard observation: (x_after -
            x_before) / dt is the centre of mass's mean forward velocity over the step.
        dt: duration of one step (s): 5 physics steps of 0.003 s = 0.015 s.
        action: (17,) the action applied during the step, each entry in [-0.4, 0.4].
        contact_forces: (13, 6) external contact wrenches on the 13 bodies after the step; equal to
            `obs.contact_forces`.
        healthy: `humanoid_is_healthy(qpos)` after the step.
    Returns forward_reward + healthy_reward - ctrl_cost - contact_cost.
    """
    forward_reward_weight = 1.25
    healthy_reward_value = 5.0
    ctrl_cost_weight = 0.1
    contact_cost_weight = 5e-7
    contact_cost_range = (-np.inf, 10.0)

    x_velocity = (x_after - x_before) / dt
    forward_reward = forward_reward_weight * x_velocity
    healthy_reward = healthy_reward_value if healthy else 0.0
    ctrl_cost = float(ctrl_cost_weight * np.sum(np.square(action)))
    contact_cost = float(np.clip(contact_cost_weight * np.sum(np.square(contact_forces)), *contact_cost_range))
    return float((forward_reward + healthy_reward) - (ctrl_cost + contact_cost))


def swimmer_reward(x_before: float, x_after: float, dt: float, action: np.ndarray) -> float:
    """Swimmer-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        x_before, x_after: x position (m) of the swimmer's root frame (slider1) before and after the step. Not in
            the standard observation: (x_after - x_before) / dt is the mean x velocity over the step, close to
            `obs.torso_velocity[0]`.
        dt: duration of one step (s): 4 physics steps of 0.01 s = 0.04 s.
        action: (2,) the action applied during the step, each entry in [-1, 1].
    Returns forward_reward - ctrl_cost (there is no termination and no healthy reward).
    """
    forward_reward_weight = 1.0
    ctrl_cost_weight = 1e-4

    x_velocity = (x_after - x_before) / dt
    forward_reward = forward_reward_weight * x_velocity
    ctrl_cost = float(ctrl_cost_weight * np.sum(np.square(action)))
    return float(forward_reward - ctrl_cost)


def reacher_reward(fingertip_minus_target: np.ndarray, action: np.ndarray) -> float:
    """Reacher-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs:
        fingertip_minus_target: (3,) fingertip position minus target position (m) after the step, x, y, z. Its
            x and y are `obs.fingertip_minus_target`; z is always 0 (arm and target move in one plane).
        action: (2,) the action applied during the step, each entry in [-1, 1].
    Returns -distance * 1 - sum(action**2) * 1: at best 0, when the fingertip sits on the target with no effort.
    """
    reward_dist_weight = 1.0
    reward_control_weight = 1.0

    reward_dist = -float(np.linalg.norm(fingertip_minus_target)) * reward_dist_weight
    reward_ctrl = -float(np.square(action).sum() * reward_control_weight)
    return float(reward_dist + reward_ctrl)


def inverted_double_pendulum_terminated(tip_height: float) -> bool:
    """InvertedDoublePendulum-v5 termination rule, checked after every step.

    Input: height (m) of the tip of the upper pole above the rail after the step; it is 1.2 m when both poles
    stand straight up. The episode terminates as soon as the tip is at or below 1.0 m.
    """
    return bool(tip_height <= 1.0)


def inverted_double_pendulum_reward(
    tip_x: float,
    tip_height: float,
    hinge_velocity: float,
    hinge2_velocity: float,
    terminated: bool,
) -> float:
    """InvertedDoublePendulum-v5 reward of one step (default weights), exactly as the simulator computes it.

    Inputs (all after the step):
        tip_x, tip_height: position (m) of the tip of the upper pole: x along the rail (same axis as
            `obs.cart_x`) and height above the rail (1.2 m with both poles straight up).
        hinge_velocity, hinge2_velocity: angular velocities (rad/s) of the lower pole and of the upper pole
            relative to the lower one, not clipped (`obs.angular_velocities` is their clip to [-10, 10]).
        terminated: `inverted_double_pendulum_terminated(tip_height)`.
    Returns alive_bonus - distance_penalty - velocity_penalty. With the tip upright above x = 0 and at rest the
    reward is 10 - (1.2 - 2)**2 = 9.36, the best reachable value.
    """
    alive_bonus_value = 10.0
    x_weight = 0.01
    target_height = 2.0
    hinge_velocity_weight = 1e-3
    hinge2_velocity_weight = 5e-3

    distance_penalty = x_weight * tip_x**2 + (tip_height - target_height) ** 2
    velocity_penalty = hinge_velocity_weight * hinge_velocity**2 + hinge2_velocity_weight * hinge2_velocity**2
    alive_bonus = alive_bonus_value * int(not terminated)
    return float(alive_bonus - distance_penalty - velocity_penalty)
