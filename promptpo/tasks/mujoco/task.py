"""MuJoCo tasks (Gymnasium v5 locomotion and control): the Task for each env, what it reads from the simulator, and
the registry."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from promptpo.tasks.base import ScoredByTask, Task, frozen_array, source_of
from promptpo.tasks.mujoco.model_docs import action_order_note, actuator_meanings
from promptpo.tasks.mujoco.observations import (
    AntObservation,
    AntPrivilegedObservation,
    HalfCheetahObservation,
    HalfCheetahPrivilegedObservation,
    HopperObservation,
    HopperPrivilegedObservation,
    HumanoidObservation,
    HumanoidPrivilegedObservation,
    InvertedDoublePendulumObservation,
    InvertedDoublePendulumPrivilegedObservation,
    ReacherObservation,
    ReacherPrivilegedObservation,
    SwimmerObservation,
    SwimmerPrivilegedObservation,
)
from promptpo.tasks.mujoco.rewards import (
    ant_is_healthy,
    ant_reward,
    half_cheetah_reward,
    hopper_is_healthy,
    hopper_reward,
    humanoid_is_healthy,
    humanoid_reward,
    inverted_double_pendulum_reward,
    inverted_double_pendulum_terminated,
    reacher_reward,
    swimmer_reward,
)

# ---- reading the simulator: reward inputs and privileged state ---------------------------------------------------
# `sim` is the unwrapped gymnasium MujocoEnv; everything returned is a plain float, bool or a fresh numpy array.


def _center_of_mass(sim: Any) -> np.ndarray:
    # The same expression as gymnasium's humanoid_v5.mass_center, so the reward matches to the last bit.
    return np.einsum("b,bj->j", sim.model.body_mass, sim.data.xipos) / sim.model.body_mass.sum()


def _torso_x(sim: Any) -> float:
    return float(sim.data.body("torso").xpos[0])  # the torso is body 1, Ant-v5's default `main_body`


def _root_x(sim: Any) -> float:
    return float(sim.data.qpos[0])


def _center_of_mass_x(sim: Any) -> float:
    return float(_center_of_mass(sim)[0])


def _ant_inputs(sim: Any, action: np.ndarray) -> dict[str, Any]:
    data = sim.data
    # Gymnasium sums all 14 rows of cfrc_ext; row 0 (the world body) is always zero, so the 13 observed rows suffice.
    healthy = ant_is_healthy(data.qpos.copy(), data.qvel.copy())
    return {"action": action, "contact_forces": data.cfrc_ext[1:].copy(), "healthy": healthy}


def _action_only(sim: Any, action: np.ndarray) -> dict[str, Any]:
    return {"action": action}


def _hopper_inputs(sim: Any, action: np.ndarray) -> dict[str, Any]:
    return {"action": action, "healthy": hopper_is_healthy(sim.data.qpos.copy(), sim.data.qvel.copy())}


def _humanoid_inputs(sim: Any, action: np.ndarray) -> dict[str, Any]:
    data = sim.data
    # Humanoid-v5's control cost reads data.ctrl (the action as float64), not the action array itself.
    healthy = humanoid_is_healthy(data.qpos.copy())
    return {"action": data.ctrl.copy(), "contact_forces": data.cfrc_ext[1:].copy(), "healthy": healthy}


def _reacher_inputs(sim: Any, action: np.ndarray) -> dict[str, Any]:
    offset = sim.data.body("fingertip").xipos - sim.data.body("target").xipos
    return {"fingertip_minus_target": offset.copy(), "action": action}


def _inverted_double_pendulum_inputs(sim: Any, action: np.ndarray) -> dict[str, Any]:
    tip_x, _, tip_height = sim.data.site_xpos[0]
    return {
        "tip_x": float(tip_x),
        "tip_height": float(tip_height),
        "hinge_velocity": float(sim.data.qvel[1]),
        "hinge2_velocity": float(sim.data.qvel[2]),
        "terminated": inverted_double_pendulum_terminated(float(tip_height)),
    }


# The privileged variant appends qpos and qvel, then these extras (whatever the reward reads beyond them).


def _ant_extras(sim: Any) -> list[np.ndarray]:
    return [sim.data.body("torso").xpos, sim.data.cfrc_ext[1:].ravel()]


def _humanoid_extras(sim: Any) -> list[np.ndarray]:
    return [_center_of_mass(sim)]


def _no_extras(sim: Any) -> list[np.ndarray]:
    return []


def _reacher_extras(sim: Any) -> list[np.ndarray]:
    return [sim.data.body("fingertip").xipos, sim.data.body("target").xipos]


def _inverted_double_pendulum_extras(sim: Any) -> list[np.ndarray]:
    return [sim.data.site_xpos[0]]


# ---- the environments --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MujocoSpec:
    """Everything that differs between the MuJoCo tasks (one per Gymnasium v5 env).

    progress: the position whose change the reward pays for, read before and after each step and passed to the
    reward as x_before / x_after (with dt); None for rewards without a forward term. reward_inputs(sim, action):
    the reward's other inputs, read after the step. privileged_extras(sim): what the privileged variant appends
    to the observation after qpos and qvel. field_shapes: shape of every array field of the observation classes (fields
    not listed are floats); fields take consecutive slices of `vector` in declaration order.
    """

    name: str
    env_id: str
    horizon: int
    observation_type: type
    privileged_type: type
    field_shapes: dict[str, tuple[int, ...]]
    reward_function: Callable[..., float]
    progress: Callable[[Any], float] | None
    reward_inputs: Callable[[Any, np.ndarray], dict[str, Any]]
    privileged_extras: Callable[[Any], list[np.ndarray]]
    rule_functions: tuple[Callable[..., bool], ...]
    termination: str
    description: str


class PrivilegedStateWrapper(gym.ObservationWrapper):
    """Appends qpos, qvel and the task's privileged extras to every observation (reset and step)."""

    def __init__(self, env: gym.Env, spec: MujocoSpec) -> None:
        super().__init__(env)
        self._extras = spec.privileged_extras
        size = env.observation_space.shape[0] + self._state().size
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (size,), np.float64)

    def _state(self) -> np.ndarray:
        sim = self.env.unwrapped
        return np.concatenate([sim.data.qpos, sim.data.qvel, *self._extras(sim)])

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return np.concatenate([observation, self._state()])


class MujocoTask(Task):
    """One Gymnasium v5 MuJoCo env with its default constructor arguments.

    ## Observation
    A read-only instance of the env's observation class (every index of the raw vector documented); the
    privileged variant appends the simulator state the standard observation leaves out (full qpos including the
    root's x / y, qvel, reward positions, raw contact forces) and uses the matching subclass.
    ## Action
    Box with the env's bounds; index i drives the model's actuator i (`action_meanings`, from the MuJoCo model).
    ## Reward
    `reward_function`, a self-contained reproduction of the v5 reward with its default weights, fed from the
    simulator by `score_step` (see `ScoredByTask`); the LLM also sees the health / termination rule it uses.
    ## Termination
    Ant, Hopper and Humanoid terminate when unhealthy, InvertedDoublePendulum when its tip drops to 1 m; all
    are truncated at `horizon` (1000 steps, Reacher 50). Score: mean episode return.
    """

    family = "mujoco"
    paper_rounds = 20
    score = "return"

    def __init__(self, spec: MujocoSpec, privileged: bool) -> None:
        self.spec = spec
        self.privileged = privileged
        self.name = f"{spec.name}_privileged" if privileged else spec.name
        self.horizon = spec.horizon
        self.observation_type = spec.privileged_type if privileged else spec.observation_type
        self.reward_function = spec.reward_function
        self.termination = f"{spec.termination} Episodes are truncated after {spec.horizon} steps."
        env = gym.make(spec.env_id)
        try:
            sim = env.unwrapped
            self.action_meanings = actuator_meanings(sim.model)
            self.dt = float(sim.dt)
            self.extra_context = (
                f"{spec.description} One step applies the action for {sim.dt:g} s ({sim.frame_skip} physics "
                f"steps of {sim.model.opt.timestep:g} s). Episodes last at most {spec.horizon} steps."
                + action_order_note(sim.model)
            )
        finally:
            env.close()

    def make_env(self) -> gym.Env:
        env = gym.make(self.spec.env_id)
        if self.privileged:
            env = PrivilegedStateWrapper(env, self.spec)
        return ScoredByTask(env, self)

    def before_step(self, sim: Any) -> float | None:
        return self.spec.progress(sim) if self.spec.progress is not None else None

    def score_step(self, sim: Any, before: Any, action: Any, obs: Any, info: dict[str, Any]) -> tuple[float, None]:
        inputs = self.spec.reward_inputs(sim, np.asarray(action))
        if self.spec.progress is not None:
            inputs.update(x_before=before, x_after=self.spec.progress(sim), dt=float(sim.dt))
        return self.spec.reward_function(**inputs), None

    def observe(self, obs: Any, info: dict[str, Any]) -> Any:
        vector = frozen_array(obs)
        fields = [f.name for f in dataclasses.fields(self.observation_type) if f.name not in ("vector", "dt")]
        shapes = [self.spec.field_shapes.get(name, ()) for name in fields]
        expected = sum(math.prod(shape) for shape in shapes)
        if vector.shape != (expected,):
            raise ValueError(f"{self.name}: expected {expected} observation numbers, got shape {vector.shape}")
        values: dict[str, Any] = {"vector": vector, "dt": self.dt}
        start = 0
        for name, shape in zip(fields, shapes):  # fields take consecutive slices of the vector
            part = vector[start : start + math.prod(shape)]
            values[name] = part.reshape(shape) if shape else float(part[0])
            start += part.size
        return self.observation_type(**values)

    def observation_source(self) -> str:
        """The observation class; for the privileged variant the standard class followed by its subclass."""
        classes = [self.spec.observation_type] + ([self.spec.privileged_type] if self.privileged else [])
        return "\n\n".join(source_of(cls) for cls in classes)

    def reward_source(self) -> str:
        """The termination / health rule the reward uses (if any), then the reward function."""
        return "\n\n".join(source_of(function) for function in (*self.spec.rule_functions, self.reward_function))


SPECS: tuple[MujocoSpec, ...] = (
    MujocoSpec(
        name="mujoco_ant",
        env_id="Ant-v5",
        horizon=1000,
        observation_type=AntObservation,
        privileged_type=AntPrivilegedObservation,
        field_shapes={
            "torso_orientation": (4,),
            "joint_angles": (8,),
            "torso_velocity": (3,),
            "torso_angular_velocity": (3,),
            "joint_velocities": (8,),
            "contact_forces": (13, 6),
            "qpos": (15,),
            "qvel": (14,),
            "torso_position": (3,),
            "raw_contact_forces": (13, 6),
        },
        reward_function=ant_reward,
        progress=_torso_x,
        reward_inputs=_ant_inputs,
        privileged_extras=_ant_extras,
        rule_functions=(ant_is_healthy,),
        termination=(
            "The episode terminates at the first step after which `ant_is_healthy(qpos, qvel)` is False: the "
            "torso height (obs.torso_z) is outside [0.2, 1.0] m or the state is not finite. That last step earns "
            "no healthy reward."
        ),
        description="Ant: make the quadruped run as fast as possible in the +x direction without falling over.",
    ),
    MujocoSpec(
        name="mujoco_half_cheetah",
        env_id="HalfCheetah-v5",
        horizon=1000,
        observation_type=HalfCheetahObservation,
        privileged_type=HalfCheetahPrivilegedObservation,
        field_shapes={"joint_angles": (6,), "joint_velocities": (6,), "qpos": (9,), "qvel": (9,)},
        reward_function=half_cheetah_reward,
        progress=_root_x,
        reward_inputs=_action_only,
        privileged_extras=_no_extras,
        rule_functions=(),
        termination="The episode never terminates early (even upside down).",
        description="HalfCheetah: make the planar two-legged runner run as fast as possible in the +x direction.",
    ),
    MujocoSpec(
        name="mujoco_hopper",
        env_id="Hopper-v5",
        horizon=1000,
        observation_type=HopperObservation,
        privileged_type=HopperPrivilegedObservation,
        field_shapes={"joint_angles": (3,), "joint_velocities": (3,), "qpos": (6,), "qvel": (6,)},
        reward_function=hopper_reward,
        progress=_root_x,
        reward_inputs=_hopper_inputs,
        privileged_extras=_no_extras,
        rule_functions=(hopper_is_healthy,),
        termination=(
            "The episode terminates at the first step after which `hopper_is_healthy(qpos, qvel)` is False: "
            "torso height (obs.torso_z) <= 0.7 m, torso pitch (obs.torso_angle) outside (-0.2, 0.2) rad, or any "
            "of qpos[2:] (pitch and joint angles) or qvel (all velocities, unclipped) outside (-100, 100). That "
            "last step earns no healthy reward."
        ),
        description="Hopper: make the one-legged robot hop forward (+x) as fast as possible without falling.",
    ),
    MujocoSpec(
        name="mujoco_humanoid",
        env_id="Humanoid-v5",
        horizon=1000,
        observation_type=HumanoidObservation,
        privileged_type=HumanoidPrivilegedObservation,
        field_shapes={
            "torso_orientation": (4,),
            "joint_angles": (17,),
            "torso_velocity": (3,),
            "torso_angular_velocity": (3,),
            "joint_velocities": (17,),
            "body_inertia": (13, 10),
            "body_velocity": (13, 6),
            "actuator_forces": (17,),
            "contact_forces": (13, 6),
            "qpos": (24,),
            "qvel": (23,),
            "center_of_mass": (3,),
        },
        reward_function=humanoid_reward,
        progress=_center_of_mass_x,
        reward_inputs=_humanoid_inputs,
        privileged_extras=_humanoid_extras,
        rule_functions=(humanoid_is_healthy,),
        termination=(
            "The episode terminates at the first step after which `humanoid_is_healthy(qpos)` is False: the "
            "torso height (obs.torso_z) is outside (1.0, 2.0) m. That last step earns no healthy reward."
        ),
        description="Humanoid: make the biped walk forward (+x) as fast as possible without falling.",
    ),
    MujocoSpec(
        name="mujoco_swimmer",
        env_id="Swimmer-v5",
        horizon=1000,
        observation_type=SwimmerObservation,
        privileged_type=SwimmerPrivilegedObservation,
        field_shapes={
            "joint_angles": (2,),
            "torso_velocity": (2,),
            "joint_velocities": (2,),
            "qpos": (5,),
            "qvel": (5,),
        },
        reward_function=swimmer_reward,
        progress=_root_x,
        reward_inputs=_action_only,
        privileged_extras=_no_extras,
        rule_functions=(),
        termination="The episode never terminates early.",
        description="Swimmer: make the three-segment swimmer swim as fast as possible in the +x direction.",
    ),
    MujocoSpec(
        name="mujoco_reacher",
        env_id="Reacher-v5",
        horizon=50,
        observation_type=ReacherObservation,
        privileged_type=ReacherPrivilegedObservation,
        field_shapes={
            "cos_angles": (2,),
            "sin_angles": (2,),
            "target_position": (2,),
            "angular_velocities": (2,),
            "fingertip_minus_target": (2,),
            "qpos": (4,),
            "qvel": (4,),
            "fingertip_xyz": (3,),
            "target_xyz": (3,),
        },
        reward_function=reacher_reward,
        progress=None,
        reward_inputs=_reacher_inputs,
        privileged_extras=_reacher_extras,
        rule_functions=(),
        termination="The episode never terminates early.",
        description="Reacher: move the two-link arm's fingertip onto the target and keep it there cheaply.",
    ),
    MujocoSpec(
        name="mujoco_inverted_double_pendulum",
        env_id="InvertedDoublePendulum-v5",
        horizon=1000,
        observation_type=InvertedDoublePendulumObservation,
        privileged_type=InvertedDoublePendulumPrivilegedObservation,
        field_shapes={
            "sin_angles": (2,),
            "cos_angles": (2,),
            "angular_velocities": (2,),
            "qpos": (3,),
            "qvel": (3,),
            "tip_position": (3,),
        },
        reward_function=inverted_double_pendulum_reward,
        progress=None,
        reward_inputs=_inverted_double_pendulum_inputs,
        privileged_extras=_inverted_double_pendulum_extras,
        rule_functions=(inverted_double_pendulum_terminated,),
        termination=(
            "The episode terminates at the first step after which `inverted_double_pendulum_terminated(tip_height)` "
            "is True: the tip of the upper pole is at or below 1.0 m. That last step earns no alive bonus."
        ),
        description="InvertedDoublePendulum: push the cart so that both stacked poles stay balanced upright.",
    ),
)


TASKS: dict[str, Callable[[], Task]] = {
    f"{spec.name}{suffix}": functools.partial(MujocoTask, spec=spec, privileged=privileged)
    for privileged, suffix in ((False, ""), (True, "_privileged"))
    for spec in SPECS
}
