"""RL baselines: reproducible learning curves on held-out seeds, algorithm/space checks, hyperparameter files."""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from promptpo import baselines
from promptpo.baselines import BaselineConfig, LearningCurve, build_model, train_baseline
from promptpo.tasks import Task, get_task, task_names
from promptpo.tasks.base import frozen_array


@dataclasses.dataclass(frozen=True)
class RawVector:
    """Test double observation: the env's raw observation, read-only."""

    values: Any


class GymTaskDouble(Task):
    """Test double: a stock Gymnasium env presented as a Task (score = return of the env's own reward).

    Horizons are shortened so that evaluation episodes stay cheap.
    """

    family = "test"
    score = "return"
    observation_type = RawVector
    termination = "the Gymnasium env's own rules, or the horizon"
    reward_text = "the Gymnasium env's own reward"

    def __init__(self, env_id: str, horizon: int, action_meanings: tuple[str, ...], discrete_torques: bool = False):
        self.name = f"test_double_{env_id}" + ("_discrete" if discrete_torques else "")
        self.env_id = env_id
        self.horizon = horizon
        self.action_meanings = action_meanings
        self.discrete_torques = discrete_torques

    def make_env(self) -> gym.Env:
        env = gym.make(self.env_id, max_episode_steps=self.horizon)
        return DiscreteTorques(env) if self.discrete_torques else env

    def observe(self, obs: Any, info: dict[str, Any]) -> RawVector:
        return RawVector(frozen_array(obs) if not isinstance(obs, dict) else obs)


class DiscreteTorques(gym.ActionWrapper):
    """Test double: Pendulum with Discrete(3) actions (full torque left, none, full torque right).

    DQN's curve on it is a real-valued return that changes with any change of the greedy policy, whereas
    CartPole's integer episode lengths often stay put over a tiny budget and could hide nondeterminism.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.torques = np.array([[-2.0], [0.0], [2.0]], dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)

    def action(self, action: int) -> np.ndarray:
        return self.torques[action]


CARTPOLE = GymTaskDouble("CartPole-v1", 100, ("push cart left", "push cart right"))  # Discrete actions
PENDULUM = GymTaskDouble("Pendulum-v1", 50, ("torque",))  # Box actions
PENDULUM_DISCRETE = GymTaskDouble("Pendulum-v1", 50, ("torque -2", "no torque", "torque +2"), discrete_torques=True)

SMALL_NET = {"policy_kwargs": {"net_arch": [32, 32]}}
# Tiny budgets that still train: each run updates the policy several times within 256 steps.
RUNS: dict[str, tuple[GymTaskDouble, dict[str, Any], int]] = {
    # PPO with 2 envs and normalisation: exercises VecNormalize at evaluation and n_envs step counting.
    "ppo": (PENDULUM, {**SMALL_NET, "n_envs": 2, "n_steps": 32, "batch_size": 32, "normalize": True}, 64),
    "dqn": (
        PENDULUM_DISCRETE,
        {
            **SMALL_NET,
            "learning_starts": 32,
            "target_update_interval": 16,
            "batch_size": 32,
            "learning_rate": 3e-3,
            "train_freq": 1,
        },
        128,
    ),
    "sac": (PENDULUM, {**SMALL_NET, "learning_starts": 64, "batch_size": 32}, 128),
}
TOTAL_STEPS = 256


def run(algo: str, seed: int) -> LearningCurve:
    task, overrides, eval_every = RUNS[algo]
    config = BaselineConfig(
        algo, task.name, seed=seed, total_steps=TOTAL_STEPS, eval_every=eval_every, eval_episodes=2, overrides=overrides
    )
    return train_baseline(config, task)


def scored(curve: LearningCurve) -> list[dict[str, Any]]:
    """Curve rows without the wall-clock column, which is the only part allowed to differ between runs."""
    return [{k: v for k, v in row.items() if k != "train_seconds"} for row in curve.rows]


@pytest.fixture(scope="module")
def curves() -> dict[tuple[str, int], list[LearningCurve]]:
    """Each algorithm trained twice with seed 0 and once with seed 1 (real training, tiny budgets)."""
    return {(algo, seed): [run(algo, seed) for _ in range(2 if seed == 0 else 1)] for algo in RUNS for seed in (0, 1)}


@pytest.mark.parametrize("algo", list(RUNS))
def test_same_seed_and_config_give_identical_curves(curves, algo: str) -> None:
    first, second = curves[algo, 0]
    assert scored(first) == scored(second)
    assert len({row["score"] for row in first.rows}) > 1, "the policy should change while training"


@pytest.mark.parametrize("algo", list(RUNS))
def test_the_seed_matters(curves, algo: str) -> None:
    # Different network initialisations act differently on Pendulum, so the curves must differ.
    assert scored(curves[algo, 0][0]) != scored(curves[algo, 1][0])


@pytest.mark.parametrize("algo", list(RUNS))
def test_curve_has_points_at_zero_and_every_interval(curves, algo: str, record_property) -> None:
    curve = curves[algo, 0][0]
    eval_every = RUNS[algo][2]
    assert [row["env_steps"] for row in curve.rows] == list(range(0, TOTAL_STEPS + 1, eval_every))
    assert curve.env_steps == TOTAL_STEPS  # training stops at exactly the budget
    task = RUNS[algo][0]
    for row in curve.rows:
        assert (row["task"], row["algo"], row["seed"], row["eval_episodes"]) == (task.name, algo, 0, 2)
        assert row["score"] == row["mean_return"]  # a return-scored task
        assert -17 * task.horizon < row["score"] <= 0  # Pendulum's reward per step lies in [-16.3, 0]
    train_seconds = [row["train_seconds"] for row in curve.rows]
    assert train_seconds == sorted(train_seconds) and train_seconds[-1] <= curve.train_seconds
    assert curve.steps_per_second == pytest.approx(TOTAL_STEPS / curve.train_seconds)
    record_property(f"{algo}_steps_per_second", round(curve.steps_per_second))
    print(f"{algo} on {task.name}: {curve.steps_per_second:.0f} training steps/s (tiny nets, {TOTAL_STEPS} steps)")


@pytest.mark.parametrize(
    ("algo", "overrides"),
    [
        ("ppo", {"n_steps": 64}),  # the budget is exactly one rollout, so exactly one update
        ("sac", {"learning_starts": 63}),  # the only gradient step follows the budget's last env step
    ],
)
def test_the_last_point_includes_the_update_on_the_last_experience(algo: str, overrides: dict[str, Any]) -> None:
    config = BaselineConfig(
        algo,
        PENDULUM.name,
        total_steps=64,
        eval_every=64,
        eval_episodes=1,
        overrides={**SMALL_NET, "batch_size": 32, **overrides},
    )
    start, end = train_baseline(config, PENDULUM).rows
    assert end["env_steps"] == 64
    assert end["score"] != start["score"]  # without that update the policy would be the untrained one


def test_training_never_steps_past_the_budget() -> None:
    # SB3's default PPO rollout (2048 steps) is far longer than this budget: training stops mid-rollout.
    config = BaselineConfig("ppo", CARTPOLE.name, total_steps=128, eval_every=64, eval_episodes=1)
    curve = train_baseline(config, CARTPOLE)
    assert curve.env_steps == 128 and [row["env_steps"] for row in curve.rows] == [0, 64, 128]


def test_torch_thread_count_is_restored_even_on_error() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(ValueError):
            train_baseline(BaselineConfig("ppo", CARTPOLE.name, total_steps=100, eval_every=64), CARTPOLE)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("algo", "task", "message"),
    [
        ("dqn", PENDULUM, "DQN needs a Discrete action space"),
        ("sac", CARTPOLE, "SAC needs a Box action space"),
    ],
)
def test_algorithm_and_action_space_must_match(algo: str, task: GymTaskDouble, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_baseline(BaselineConfig(algo, task.name, total_steps=64, eval_every=64), task)


def test_budget_must_be_a_multiple_of_the_eval_interval() -> None:
    with pytest.raises(ValueError, match="must divide total_steps"):
        train_baseline(BaselineConfig("ppo", CARTPOLE.name, total_steps=100, eval_every=64), CARTPOLE)


def test_unknown_hyperparameters_are_rejected_by_name() -> None:
    config = BaselineConfig("sac", PENDULUM.name, total_steps=64, eval_every=64, overrides={"n_step": 3})
    with pytest.raises(ValueError, match=r"SAC does not accept \['n_step'\]"):
        train_baseline(config, PENDULUM)


# ---- hyperparameter files ----------------------------------------------------------------------------------------


def entries(algo: str) -> dict[str, dict[str, Any]]:
    return baselines.load_hyperparams(baselines.hyperparams_path(algo))


# The zoo's InvertedDoublePendulum entry uses a minibatch larger than its rollout, on purpose (see ppo.yml).
@pytest.mark.filterwarnings("ignore:You have specified a mini-batch size of 512")
@pytest.mark.parametrize("algo", list(baselines.ALGORITHMS))
def test_every_hyperparameter_entry_builds_an_sb3_model(algo: str) -> None:
    # Built (not trained) on a stand-in task with the same kind of action space, so the check needs no simulator.
    for key in entries(algo):
        stand_in = CARTPOLE if algo == "dqn" or key.startswith("noise_world") else PENDULUM
        model, used, _ = build_model(BaselineConfig(algo, stand_in.name, hyperparams_key=key), stand_in)
        model.get_env().close()
        assert used == key


def test_tuned_values_reach_the_model() -> None:
    config = BaselineConfig("ppo", PENDULUM.name, hyperparams_key="mujoco_half_cheetah")
    model, _, values = build_model(config, PENDULUM)
    model.get_env().close()
    assert (model.n_steps, model.batch_size, model.gamma, model.n_epochs) == (512, 64, 0.98, 20)
    assert isinstance(model.get_env(), baselines.VecNormalize) and model.get_env().gamma == 0.98
    assert model.policy.activation_fn is torch.nn.ReLU and model.policy.ortho_init is False
    assert values["n_timesteps"] == 1e6
    schedule_model, _, _ = build_model(
        BaselineConfig("ppo", PENDULUM.name, overrides={"learning_rate": "lin_0.001"}), PENDULUM
    )
    schedule_model.get_env().close()
    assert [schedule_model.lr_schedule(p) for p in (1.0, 0.5, 0.0)] == pytest.approx([1e-3, 5e-4, 0.0])


def test_a_task_without_an_entry_uses_the_default_entry() -> None:
    model, key, _ = build_model(BaselineConfig("ppo", PENDULUM.name), PENDULUM)
    model.get_env().close()
    assert key == "default" and model.n_steps == 2048  # SB3's default


def test_every_registered_task_has_its_own_entries() -> None:
    ppo, dqn, sac = entries("ppo"), entries("dqn"), entries("sac")
    for name in task_names():
        assert name in ppo, f"{name} has no entry in ppo.yml"
        assert (name in dqn) != (name in sac), f"{name} needs an entry in exactly one of dqn.yml / sac.yml"


def test_every_entry_names_a_registered_task() -> None:
    names = set(task_names())
    for algo in baselines.ALGORITHMS:
        assert set(entries(algo)) - {"default"} <= names, f"{algo}.yml names unknown tasks"


# ---- real tasks ----------------------------------------------------------------------------------------------------


def test_point_maze_dict_observations_train_with_multi_input_policy() -> None:
    task = get_task("point_maze_large")
    config = BaselineConfig(
        "ppo",
        task.name,
        total_steps=64,
        eval_every=64,
        eval_episodes=1,
        overrides={**SMALL_NET, "n_steps": 32, "batch_size": 32, "normalize": True},
    )
    model, _, _ = build_model(config, task)
    model.get_env().close()
    assert isinstance(model.observation_space, gym.spaces.Dict)
    assert type(model.policy).__name__ == "MultiInputActorCriticPolicy"
    curve = train_baseline(config)  # evaluation feeds raw dict observations through the frozen VecNormalize
    assert [row["env_steps"] for row in curve.rows] == [0, 64]
    assert all(row["score"] in (0.0, 1.0) for row in curve.rows)  # one success-scored episode per point


def test_noise_world_learning_curve(record_property) -> None:
    config = BaselineConfig(
        "ppo",
        "noise_world_board_0",
        total_steps=2048,
        eval_every=1024,
        eval_episodes=5,
        overrides={"n_envs": 4, "n_steps": 128},
    )
    curve = train_baseline(config)
    assert [row["env_steps"] for row in curve.rows] == [0, 1024, 2048]
    assert all(np.isfinite(row["score"]) for row in curve.rows)
    record_property("ppo_noise_world_steps_per_second", round(curve.steps_per_second))
    print(f"ppo on noise_world_board_0: {curve.steps_per_second:.0f} training steps/s")


# glucose_20_days is glucose's env with the paper's 5,760-step horizon: one evaluation episode takes minutes.
@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in task_names() if name != "glucose_20_days"])
def test_every_registered_task_trains_with_each_compatible_algorithm(name: str) -> None:
    """Smoke run on the real simulators: each task's own entry, a few steps, one held-out episode per point."""
    tiny = {
        "ppo": {"n_envs": 1, "n_steps": 32, "batch_size": 32},
        "dqn": {"learning_starts": 16},
        "sac": {"learning_starts": 16},
    }
    discrete = isinstance(get_task(name).action_space, gym.spaces.Discrete)
    for algo in ("ppo", "dqn" if discrete else "sac"):
        config = BaselineConfig(algo, name, total_steps=64, eval_every=64, eval_episodes=1, overrides=tiny[algo])
        curve = train_baseline(config)
        assert curve.hyperparams_key == name
        assert [row["env_steps"] for row in curve.rows] == [0, 64]
        assert all(np.isfinite(row["score"]) for row in curve.rows)
