"""Meta-World tasks: the shown reward and success rule reproduce the simulator's, seeding, observations, experts."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from promptpo.references.metaworld_experts import expert_policy
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.tasks import get_task, task_names
from promptpo.tasks.metaworld import HORIZON, MetaWorldObservation, MetaWorldTask

TASK_NAMES = ["metaworld_button_press", "metaworld_pick_place", "metaworld_door_open", "metaworld_drawer_open"]


@pytest.fixture(scope="module")
def envs() -> Iterator[dict[str, gym.Env]]:
    """One env per task, shared by this module's tests (building one draws MT1's 50 variations: ~1 s)."""
    made: dict[str, gym.Env] = {}
    yield made
    for env in made.values():
        env.close()


def _env(envs: dict[str, gym.Env], name: str) -> gym.Env:
    if name not in envs:
        envs[name] = get_task(name).make_env()
    return envs[name]


def _random_act(seed: int) -> Callable[[MetaWorldObservation], np.ndarray]:
    rng = np.random.default_rng(seed)
    return lambda observation: rng.uniform(-1.0, 1.0, size=4)


def _noisy(act: Callable[[MetaWorldObservation], np.ndarray], seed: int, scale: float):
    """`act` plus Gaussian noise: an expert that fumbles visits near-miss reward regions (drops, slips)."""
    rng = np.random.default_rng(seed)
    return lambda observation: np.clip(act(observation) + rng.normal(0.0, scale, size=4), -1.0, 1.0)


def _rollout(task: MetaWorldTask, env: gym.Env, act, seed: int) -> list[dict[str, Any]]:
    """One full episode; per step, the env's outputs plus the reward and success recomputed here from plain data."""
    obs, info = env.reset(seed=seed)
    steps = []
    for _ in range(HORIZON):
        action = task.check_action(act(task.observe(obs, info)), env.action_space)
        obs, reward, terminated, truncated, info = env.step(action)
        observation = task.observe(obs, info)
        inputs = task.simulator_inputs(env.unwrapped)
        steps.append(
            dict(
                observation=observation,
                action=action,
                inputs=inputs,
                reward=reward,
                recomputed_reward=task.reward_function(observation, action, **inputs),
                recomputed_success=task.success_function(observation),
                info=info,
                terminated=terminated,
                truncated=truncated,
            )
        )
        if terminated or truncated:
            break
    return steps


def _check_against_simulator(steps: list[dict[str, Any]]) -> None:
    assert len(steps) == HORIZON, "episodes must run exactly 500 steps"
    assert not any(step["terminated"] for step in steps), "Meta-World episodes never terminate"
    assert [step["truncated"] for step in steps] == [False] * (HORIZON - 1) + [True]
    for index, step in enumerate(steps):
        info = step["info"]
        assert abs(step["reward"] - info["env_reward"]) < 1e-6, f"step {index}: {step['reward']}, {info['env_reward']}"
        assert step["reward"] == step["recomputed_reward"], f"step {index}: the env did not use reward_function"
        assert step["recomputed_success"] == info["success"] == info["env_success"], f"step {index}"


def test_registry_lists_the_four_tasks_with_the_contract() -> None:
    assert task_names("metaworld") == TASK_NAMES
    for name in TASK_NAMES:
        task = get_task(name)
        assert (task.name, task.family, task.score, task.horizon) == (name, "metaworld", "success", 500)
        assert issubclass(task.observation_type, MetaWorldObservation)
        assert len(task.action_meanings) == 4
        assert task.paper_rounds == (20 if name in ("metaworld_door_open", "metaworld_drawer_open") else 10)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_reward_and_success_match_simulator_on_random_rollouts(envs, name: str) -> None:
    task = get_task(name)
    for seed in (11, 12):
        _check_against_simulator(_rollout(task, _env(envs, name), _random_act(seed), seed))


@pytest.mark.parametrize("name", TASK_NAMES)
def test_reward_and_success_match_simulator_on_expert_rollouts(envs, name: str) -> None:
    """Experts (clean and noisy) reach the regions random actions never do: grasp, lift, open, success."""
    task = get_task(name)
    env = _env(envs, name)
    expert = expert_policy(task)
    episodes = [_rollout(task, env, expert(), seed=21), _rollout(task, env, _noisy(expert(), 22, 0.5), seed=22)]
    for steps in episodes:
        _check_against_simulator(steps)
    rewards = np.array([step["reward"] for steps in episodes for step in steps])
    assert any(step["info"]["success"] for step in episodes[0]), "the clean expert should succeed"
    assert rewards.min() < rewards.max(), "the reward should vary along the way"
    if name == "metaworld_pick_place":
        # the 'holding the lifted puck' branch (1 + 5 * in_place) and the success branch (exactly 10)
        assert np.any((rewards > 1.0) & (rewards < 10.0)) and np.any(rewards == 10.0)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_shown_reward_source_is_complete_and_is_what_scores(envs, name: str) -> None:
    """Executing exactly the text the LLM sees (with numpy, math and the observation class) gives the same numbers."""
    task = get_task(name)
    namespace: dict[str, Any] = {"np": np, "math": math, "MetaWorldObservation": MetaWorldObservation}
    exec(compile(task.reward_source(), f"<{name} reward source>", "exec"), namespace)
    shown_reward = namespace[task.reward_function.__name__]
    shown_success = namespace[task.success_function.__name__]
    steps = _rollout(task, _env(envs, name), _noisy(expert_policy(task)(), 31, 0.3), seed=31)
    for step in steps[::5]:
        assert shown_reward(step["observation"], step["action"], **step["inputs"]) == step["reward"]
        assert shown_success(step["observation"]) == step["info"]["success"]


@pytest.mark.parametrize("name", TASK_NAMES)
def test_seeded_resets_are_reproducible(envs, name: str) -> None:
    """A seed fixes the episode whatever ran before it, in this env or in a fresh one."""
    task = get_task(name)
    env = _env(envs, name)
    for seed in (6, 7, 8):  # earlier episodes must not matter
        env.reset(seed=seed)
    first = _rollout(task, env, _random_act(5), seed=5)[:50]
    fresh_env = task.make_env()
    try:
        again = _rollout(task, fresh_env, _random_act(5), seed=5)[:50]
        starts = {tuple(fresh_env.reset(seed=seed)[0]) for seed in range(10)}
    finally:
        fresh_env.close()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a["observation"].vector, b["observation"].vector)
        assert a["reward"] == b["reward"]
    assert len(starts) > 5, "different seeds should draw different placements"


def test_observation_is_read_only_and_laid_out_as_documented(envs) -> None:
    task = get_task("metaworld_pick_place")
    env = _env(envs, "metaworld_pick_place")
    raw, info = env.reset(seed=3)
    observation = task.observe(raw, info)
    assert observation.vector.dtype == np.float64 and observation.vector.shape == (39,)
    np.testing.assert_array_equal(observation.vector, raw)
    np.testing.assert_array_equal(observation.hand_pos, raw[0:3])
    assert observation.gripper_distance == raw[3]
    np.testing.assert_array_equal(observation.object_pos, raw[4:7])
    np.testing.assert_array_equal(observation.object_quat, raw[7:11])
    np.testing.assert_array_equal(observation.goal_pos, raw[36:39])
    np.testing.assert_array_equal(raw[11:18], np.zeros(7))
    np.testing.assert_array_equal(observation.prev_hand_pos, observation.hand_pos)  # right after reset
    for array in (observation.vector, observation.hand_pos, observation.object_pos, observation.goal_pos):
        with pytest.raises(ValueError):
            array[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        observation.hand_pos = np.zeros(3)  # type: ignore[misc]
    raw[0] = 123.0  # the observation is a copy: the env's array does not leak into it
    assert observation.hand_pos[0] != 123.0

    next_raw, *_ = env.step(np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32))
    after = task.observe(next_raw, {})
    np.testing.assert_array_equal(after.prev_hand_pos, observation.hand_pos)
    np.testing.assert_array_equal(after.prev_object_pos, observation.object_pos)
    assert after.hand_pos[0] > observation.hand_pos[0], "action[0] > 0 moves the hand towards +x"


@pytest.mark.slow
@pytest.mark.parametrize("name", TASK_NAMES)
def test_experts_succeed_on_heldout_seeds(name: str) -> None:
    task = get_task(name)
    episodes = evaluate(task, expert_policy(task), heldout_seeds(20))
    assert all(episode.steps == HORIZON and episode.truncated for episode in episodes)
    assert np.mean([episode.success for episode in episodes]) >= 0.9
