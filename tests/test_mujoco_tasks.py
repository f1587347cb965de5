"""MuJoCo tasks: rewards and terminations equal Gymnasium v5's, observations are documented index by index."""

from __future__ import annotations

import dataclasses
import re

import gymnasium as gym
import numpy as np
import pytest

from promptpo.rollout import run_episode
from promptpo.tasks import get_task, task_names
from promptpo.tasks.mujoco import SPECS as MUJOCO_SPECS
from promptpo.tasks.mujoco import model_docs, rewards

SPECS = {spec.name: spec for spec in MUJOCO_SPECS}
NAMES = list(SPECS)
EPISODES, MAX_STEPS = 4, 250  # per env: enough for several terminations of Ant, Hopper, Humanoid and the pendulum

# The documented termination rules, evaluated on the simulator after a step (envs without one never terminate).
TERMINATED_BY_RULE = {
    "mujoco_ant": lambda sim: not rewards.ant_is_healthy(sim.data.qpos, sim.data.qvel),
    "mujoco_hopper": lambda sim: not rewards.hopper_is_healthy(sim.data.qpos, sim.data.qvel),
    "mujoco_humanoid": lambda sim: not rewards.humanoid_is_healthy(sim.data.qpos),
    "mujoco_inverted_double_pendulum": lambda sim: rewards.inverted_double_pendulum_terminated(
        sim.data.site_xpos[0][2]
    ),
}


def random_action(space: gym.spaces.Box, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(space.low, space.high).astype(space.dtype)


def documented_lines(source: str) -> dict[int, str]:
    """index -> the layout line documenting it, from lines starting with `vector[i]` or `vector[a:b]`."""
    lines: dict[int, str] = {}
    for line in source.splitlines():
        match = re.match(r"\s*vector\[(\d+)(?::(\d+))?\]", line)
        if match is None:
            continue
        start = int(match.group(1))
        stop = int(match.group(2)) if match.group(2) else start + 1
        for index in range(start, stop):
            assert index not in lines, f"index {index} documented twice"
            lines[index] = line
    return lines


def joint_of_address(addresses: np.ndarray, model, address: int) -> str:
    """Name of the joint whose qpos (or qvel) block contains `address`."""
    joint = max(j for j in range(model.njnt) if addresses[j] <= address)
    return model.joint(joint).name


def mentions(line: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", line) is not None


def test_registry_lists_every_env_and_its_privileged_variant():
    expected = [
        "mujoco_ant",
        "mujoco_half_cheetah",
        "mujoco_hopper",
        "mujoco_humanoid",
        "mujoco_swimmer",
        "mujoco_reacher",
        "mujoco_inverted_double_pendulum",
    ]
    assert task_names("mujoco") == expected + [f"{name}_privileged" for name in expected]
    for name in task_names("mujoco"):
        task = get_task(name)
        assert (task.family, task.score, task.name) == ("mujoco", "return", name)
        assert task.horizon == (50 if name.startswith("mujoco_reacher") else 1000)
        env = task.make_env()
        assert env.spec.max_episode_steps == task.horizon
        env.close()


@pytest.mark.parametrize("name", NAMES)
def test_reward_and_termination_equal_gymnasium_v5(name):
    """Lockstep against the bare env: |reward diff| < 1e-6 every step, same observations and flags, both variants.

    Also checks the documented termination rule reproduces the env's `terminated` flag.
    """
    spec = SPECS[name]
    variants = [get_task(name), get_task(f"{name}_privileged")]
    envs = [task.make_env() for task in variants]
    bare = gym.make(spec.env_id)
    rule = TERMINATED_BY_RULE.get(name, lambda sim: False)
    rng = np.random.default_rng(0)
    terminations = 0
    for seed in range(EPISODES):
        bare_obs, _ = bare.reset(seed=seed)
        for env in envs:
            np.testing.assert_array_equal(env.reset(seed=seed)[0][: bare_obs.size], bare_obs)
        for _ in range(min(spec.horizon, MAX_STEPS)):
            action = random_action(bare.action_space, rng)
            bare_obs, bare_reward, terminated, truncated, _ = bare.step(action)
            assert terminated == rule(bare.unwrapped)
            for env in envs:
                obs, reward, env_terminated, env_truncated, info = env.step(action)
                assert abs(reward - float(bare_reward)) < 1e-6
                assert info["env_reward"] == float(bare_reward)
                assert (env_terminated, env_truncated) == (terminated, truncated)
                np.testing.assert_array_equal(obs[: bare_obs.size], bare_obs)
            if terminated or truncated:
                terminations += terminated
                break
    if name in TERMINATED_BY_RULE:
        assert terminations > 0, "no episode terminated: the unhealthy branch went untested"


def boundary_states(name: str, qpos: np.ndarray, qvel: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """States on and around every threshold of the env's health rule, plus non-finite ones."""

    def variant(index: int, value: float, velocity: bool = False) -> tuple[np.ndarray, np.ndarray]:
        p, v = qpos.copy(), qvel.copy()
        (v if velocity else p)[index] = value
        return p, v

    def around(index: int, *thresholds: float) -> list[tuple[np.ndarray, np.ndarray]]:
        return [variant(index, t + d) for t in thresholds for d in (-0.01, 0.0, 0.01)]

    if name == "mujoco_ant":
        return around(2, 0.2, 1.0) + [variant(0, np.nan, velocity=True), variant(7, np.inf)]
    if name == "mujoco_hopper":
        speeds = [variant(3, value, velocity=True) for value in (99.9, 100.0, 100.1, -100.0, np.nan)]
        return around(1, 0.7) + around(2, -0.2, 0.2) + [variant(4, -100.5)] + speeds
    assert name == "mujoco_humanoid"
    return around(2, 1.0, 2.0) + [variant(2, np.nan)]


@pytest.mark.parametrize("name", ["mujoco_ant", "mujoco_hopper", "mujoco_humanoid"])
def test_health_rules_equal_gymnasium_on_every_threshold(name):
    """Random rollouts mostly end one way (Hopper tilts before it sinks); here every clause is hit exactly."""
    sim = gym.make(SPECS[name].env_id).unwrapped
    sim.reset(seed=0)
    rule = TERMINATED_BY_RULE[name]
    verdicts = []
    for qpos, qvel in boundary_states(name, sim.init_qpos, sim.init_qvel):
        sim.set_state(qpos, qvel)
        assert rule(sim) == (not sim.is_healthy), (qpos, qvel)
        verdicts.append(rule(sim))
    assert any(verdicts) and not all(verdicts)


def test_pendulum_terminates_at_a_tip_height_of_one_metre_inclusive():
    assert rewards.inverted_double_pendulum_terminated(1.0)
    assert not rewards.inverted_double_pendulum_terminated(float(np.nextafter(1.0, 2.0)))


@pytest.mark.parametrize(
    "name, height, quaternion",
    [
        ("mujoco_ant", 0.3, (0.0, 1.0, 0.0, 0.0)),  # upside down on its back
        ("mujoco_humanoid", 0.08, (np.cos(np.pi / 4), 0.0, -np.sin(np.pi / 4), 0.0)),  # lying face up
    ],
)
def test_contact_cost_counts_the_torso_too(name, height, quaternion):
    """Random rollouts rarely put the torso on the ground; here it lies there, so every contact row counts."""
    spec = SPECS[name]
    env, bare = get_task(name).make_env(), gym.make(spec.env_id)
    env.reset(seed=0)
    bare.reset(seed=0)
    qpos = bare.unwrapped.init_qpos.copy()
    qpos[2], qpos[3:7] = height, quaternion
    for sim in (env.unwrapped, bare.unwrapped):
        sim.set_state(qpos, sim.init_qvel.copy())
    action = np.zeros(bare.action_space.shape, bare.action_space.dtype)
    _, reward, *_ = env.step(action)
    _, bare_reward, *_ = bare.step(action)
    assert np.any(bare.unwrapped.data.cfrc_ext[1] != 0), "the torso should be touching the ground"
    assert abs(reward - float(bare_reward)) < 1e-6


def test_reacher_episodes_are_truncated_at_its_horizon():
    task = get_task("mujoco_reacher")
    env, rng = task.make_env(), np.random.default_rng(1)
    env.reset(seed=0)
    flags = [env.step(random_action(env.action_space, rng))[2:4] for _ in range(task.horizon)]
    assert flags[-1] == (False, True) and all(flag == (False, False) for flag in flags[:-1])


@pytest.mark.parametrize("name", NAMES)
def test_reset_with_a_seed_is_reproducible(name):
    task = get_task(name)
    actions = [random_action(task.make_env().action_space, np.random.default_rng(7)) for _ in range(30)]

    def rollout(env: gym.Env, seed: int) -> list[np.ndarray]:
        obs, _ = env.reset(seed=seed)
        trace = [obs]
        for action in actions:
            obs, reward, terminated, truncated, _ = env.step(action)
            trace += [obs, np.array([reward])]
            if terminated or truncated:
                break
        return trace

    env = task.make_env()
    first, other, again = rollout(env, 3), rollout(env, 4), rollout(env, 3)
    fresh = rollout(task.make_env(), 3)
    for trace in (again, fresh):
        assert len(trace) == len(first)
        for a, b in zip(first, trace):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", task_names("mujoco"))
def test_observation_is_read_only_plain_data(name):
    task = get_task(name)
    env = task.make_env()
    obs, info = env.reset(seed=0)
    observation = task.observe(obs, info)
    assert isinstance(observation, task.observation_type)
    for field in dataclasses.fields(observation):
        value = getattr(observation, field.name)
        assert isinstance(value, (float, np.ndarray)), field.name
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, field.name
            with pytest.raises(ValueError):
                value.flat[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        observation.vector = np.zeros(3)
    # The policy's copy is detached from the env's array.
    assert not np.shares_memory(observation.vector, obs)


@pytest.mark.parametrize("name", task_names("mujoco"))
def test_observation_source_documents_every_index_once(name):
    task = get_task(name)
    dim = task.make_env().observation_space.shape[0]
    assert sorted(documented_lines(task.observation_source())) == list(range(dim))


@pytest.mark.parametrize("name", NAMES)
def test_documentation_matches_the_mujoco_model(name):
    """Joint and body tables are the model's; every qpos / qvel index names the joint it comes from."""
    spec = SPECS[name]
    model = gym.make(spec.env_id).unwrapped.model
    standard, privileged = get_task(name), get_task(f"{name}_privileged")
    source = privileged.observation_source()
    for line in model_docs.joint_lines(model):
        assert line in standard.observation_source()
    if name in ("mujoco_ant", "mujoco_humanoid"):
        for line in model_docs.body_lines(model):
            assert line in standard.observation_source()
    lines = documented_lines(source)
    # Privileged block: qpos then qvel, right after the standard vector.
    start = standard.make_env().observation_space.shape[0]
    for address in range(model.nq):
        assert mentions(lines[start + address], joint_of_address(model.jnt_qposadr, model, address))
    for address in range(model.nv):
        assert mentions(lines[start + model.nq + address], joint_of_address(model.jnt_dofadr, model, address))
    # Standard vector: qpos[skipped:], qvel for the locomotion envs (gymnasium's observation_structure).
    structure = getattr(gym.make(spec.env_id).unwrapped, "observation_structure", None)
    if structure is not None:
        skipped = structure["skipped_qpos"]
        for index in range(model.nq - skipped):
            assert mentions(lines[index], joint_of_address(model.jnt_qposadr, model, index + skipped))
        for address in range(model.nv):
            line = lines[model.nq - skipped + address]
            assert mentions(line, joint_of_address(model.jnt_dofadr, model, address))


def expected_fields(name: str, sim) -> dict[str, np.ndarray]:
    """What each named field should hold according to its documentation, read from the simulator."""
    d = sim.data
    if name == "mujoco_ant":
        return {
            "torso_z": d.qpos[2],
            "torso_orientation": d.qpos[3:7],
            "joint_angles": d.qpos[7:15],
            "torso_velocity": d.qvel[0:3],
            "torso_angular_velocity": d.qvel[3:6],
            "joint_velocities": d.qvel[6:14],
            "contact_forces": np.clip(d.cfrc_ext[1:], -1.0, 1.0),
            "torso_position": d.body("torso").xpos,
            "raw_contact_forces": d.cfrc_ext[1:],
        }
    if name == "mujoco_humanoid":
        return {
            "torso_z": d.qpos[2],
            "torso_orientation": d.qpos[3:7],
            "joint_angles": d.qpos[7:24],
            "torso_velocity": d.qvel[0:3],
            "torso_angular_velocity": d.qvel[3:6],
            "joint_velocities": d.qvel[6:23],
            "body_inertia": d.cinert[1:],
            "body_velocity": d.cvel[1:],
            "actuator_forces": d.qfrc_actuator[6:],
            "contact_forces": d.cfrc_ext[1:],
            "center_of_mass": sim.model.body_mass @ d.xipos / sim.model.body_mass.sum(),
        }
    if name in ("mujoco_half_cheetah", "mujoco_hopper"):
        clip = 10.0 if name == "mujoco_hopper" else np.inf
        return {
            "torso_z": d.qpos[1],
            "torso_angle": d.qpos[2],
            "joint_angles": d.qpos[3:],
            "torso_x_velocity": np.clip(d.qvel[0], -clip, clip),
            "torso_z_velocity": np.clip(d.qvel[1], -clip, clip),
            "torso_angular_velocity": np.clip(d.qvel[2], -clip, clip),
            "joint_velocities": np.clip(d.qvel[3:], -clip, clip),
        }
    if name == "mujoco_swimmer":
        return {
            "torso_angle": d.qpos[2],
            "joint_angles": d.qpos[3:5],
            "torso_velocity": d.qvel[0:2],
            "torso_angular_velocity": d.qvel[2],
            "joint_velocities": d.qvel[3:5],
        }
    if name == "mujoco_reacher":
        fingertip, target = d.body("fingertip").xipos, d.body("target").xipos
        return {
            "cos_angles": np.cos(d.qpos[:2]),
            "sin_angles": np.sin(d.qpos[:2]),
            "target_position": target[:2],
            "angular_velocities": d.qvel[:2],
            "fingertip_minus_target": (fingertip - target)[:2],
            "fingertip_xyz": fingertip,
            "target_xyz": target,
        }
    assert name == "mujoco_inverted_double_pendulum"
    return {
        "cart_x": d.qpos[0],
        "sin_angles": np.sin(d.qpos[1:3]),
        "cos_angles": np.cos(d.qpos[1:3]),
        "cart_velocity": np.clip(d.qvel[0], -10, 10),
        "angular_velocities": np.clip(d.qvel[1:3], -10, 10),
        "constraint_force": np.clip(d.qfrc_constraint[0], -10, 10),
        "tip_position": d.site_xpos[0],
    }


@pytest.mark.parametrize("name", NAMES)
def test_named_fields_hold_what_their_documentation_says(name):
    """After a few random steps each field equals the simulator quantity it is documented as (`dt` the control
    timestep, 5 x 0.01 s on HalfCheetah); the privileged
    variant adds qpos / qvel / reward positions, the standard one does not."""
    standard, privileged = get_task(name), get_task(f"{name}_privileged")
    rng = np.random.default_rng(2)
    for task in (standard, privileged):
        env = task.make_env()
        obs, info = env.reset(seed=5)
        for _ in range(3):
            obs, _, _, _, info = env.step(random_action(env.action_space, rng))
        observation, sim = task.observe(obs, info), env.unwrapped
        expected = {**expected_fields(name, sim), "dt": sim.dt}  # the control timestep the prompt refers to
        if task is privileged:
            expected.update(qpos=sim.data.qpos, qvel=sim.data.qvel)
        fields = {field.name for field in dataclasses.fields(observation)} - {"vector"}
        for field in fields:
            if field in expected:  # every field of the standard class is listed; privileged extras checked below
                np.testing.assert_allclose(getattr(observation, field), expected[field], rtol=0, atol=1e-12)
        extra = fields - {field.name for field in dataclasses.fields(standard.observation_type)}
        if task is standard:
            assert fields <= set(expected) and not extra and observation.vector.size == obs.size
        else:
            assert {"qpos", "qvel"} <= extra and extra <= set(expected)
            standard_size = standard.make_env().observation_space.shape[0]
            assert observation.vector.size > standard_size


@pytest.mark.parametrize("name", NAMES)
def test_action_meanings_come_from_the_actuators(name):
    task = get_task(name)
    env = task.make_env()
    model = env.unwrapped.model
    assert len(task.action_meanings) == env.action_space.shape[0] == model.nu
    for index, meaning in enumerate(task.action_meanings):
        assert mentions(meaning, model.joint(model.actuator_trnid[index][0]).name)
        assert f"{model.actuator_gear[index][0]:g} * action[{index}]" in meaning
    description = task.action_description()
    assert f"action[{model.nu - 1}] in [{env.action_space.low[-1]:g}, {env.action_space.high[-1]:g}]" in description


@pytest.mark.parametrize("name", NAMES)
def test_reward_source_is_self_contained(name):
    """The LLM sees the rule and reward functions; they call no module-level helper it would not see."""
    task = get_task(name)
    functions = (*SPECS[name].rule_functions, task.reward_function)
    source = task.reward_source()
    for function in functions:
        assert f"def {function.__name__}(" in source
        hidden = [n for n in function.__code__.co_names if n in vars(rewards) and n != "np"]
        assert not hidden, f"{function.__name__} uses {hidden}"
    for function in SPECS[name].rule_functions:
        assert function.__name__ in task.termination


def test_privileged_observation_source_shows_both_classes():
    task = get_task("mujoco_ant_privileged")
    source = task.observation_source()
    assert "class AntObservation:" in source and "class AntPrivilegedObservation(AntObservation):" in source
    assert "AntPrivilegedObservation" not in get_task("mujoco_ant").observation_source()
    assert "obs: AntPrivilegedObservation" in task.starter_stub()


def test_observe_rejects_a_vector_of_the_wrong_size():
    task = get_task("mujoco_hopper_privileged")
    with pytest.raises(ValueError, match="expected 23"):
        task.observe(np.zeros(11), {})


def test_actions_reach_the_simulator_as_the_policy_gave_them():
    """No float32 cast between the policy and MuJoCo: an episode through `run_episode` equals stepping the env
    directly with the policy's float64 actions."""
    task = get_task("mujoco_half_cheetah")
    space = task.make_env().action_space
    assert space.dtype == np.float32
    action = np.full(space.shape, 1 / 3)
    checked = task.check_action(action, space)
    assert checked.dtype == np.float64 and np.array_equal(checked, action)
    assert task.check_action(action.astype(np.float32), space).dtype == np.float32
    actions = [np.random.default_rng(k).uniform(-1, 1, space.shape) for k in range(task.horizon)]
    policy = iter(actions)
    episode = run_episode(task, task.make_env(), lambda obs: next(policy), seed=3)
    env = task.make_env()
    env.reset(seed=3)
    direct = 0.0
    for a in actions[: episode.steps]:  # added in order as run_episode adds: Python 3.12's sum() compensates
        direct += float(env.step(a)[1])
    assert episode.steps == task.horizon and episode.episode_return == direct
