"""Seeded episodes of any policy on any task, scored the same way for PromptPO, baselines and references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from promptpo.tasks.base import Task


@dataclass
class Transition:
    """One step of an episode, as handed to the Feedback summariser.

    observation: the read-only observation object the policy acted on (the task's observation class).
    action: the action after validation (int for Discrete, list of floats for Box).
    reward: the scored reward of this step.
    success: `info["success"]` after the step (always False for tasks without a success rule).
    terminated / truncated: whether the episode ended at this step (goal/failure vs time limit).
    """

    observation: Any
    action: Any
    reward: float
    success: bool
    terminated: bool
    truncated: bool


@dataclass
class Episode:
    """Outcome of one seeded episode. `steps` counts env.step calls; `trajectory` is empty unless requested;
    `metrics` holds the task's secondary metrics of the episode (`Task.episode_metrics`; empty for most tasks)."""

    seed: int
    episode_return: float
    success: bool
    steps: int
    terminated: bool
    truncated: bool
    trajectory: list[Transition] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


class EpisodeRun:
    """One seeded episode, advanced one action at a time: the episode loop of every method, opened up so that the
    sandbox can step many episodes in lockstep (`run_episode` is the plain loop over it).

    After construction (which resets `env` with `seed`) and after every `step`, `obs` and `info` are the env's raw
    observation and info, `observation` is what the policy acts on (the task's read-only observation object, or the
    raw observation when `raw_observations` is set; `observe` replaces `task.observe`, as the references'
    `task.reference_observe` does), and `outcome` is the last step's (reward, success, terminated,
    truncated). `done` is set when the env terminated or truncated or `task.horizon` steps were taken; `episode`
    accumulates the result (success is the max over steps of `info["success"]`; `metrics` is filled when it is
    done, from the `task.metric_keys` values of every step's info).
    """

    def __init__(
        self,
        task: Task,
        env: gym.Env,
        seed: int,
        *,
        raw_observations: bool = False,
        keep_trajectory: bool = False,
        observe: Callable[[Any, dict[str, Any]], Any] | None = None,
    ):
        self.task, self.env, self.raw, self.keep = task, env, raw_observations, keep_trajectory
        self.observe = observe or task.observe
        self.obs, self.info = env.reset(seed=seed)
        self.episode = Episode(seed=seed, episode_return=0.0, success=False, steps=0, terminated=False, truncated=False)
        self.outcome: tuple[float, bool, bool, bool] = (0.0, False, False, False)
        self.done = False
        self._trace: list[dict[str, Any]] = []
        self._observe()

    def step(self, action: Any) -> None:
        """Apply an action that already passed `task.check_action` (it reaches the env as it is)."""
        self.obs, reward, terminated, truncated, self.info = self.env.step(action)
        episode = self.episode
        episode.steps += 1
        reward, step_success = float(reward), bool(self.info.get("success", False))
        self.outcome = (reward, step_success, bool(terminated), bool(truncated))
        episode.episode_return += reward
        episode.success = episode.success or step_success
        if self.keep:
            plain_action = action.tolist() if isinstance(action, np.ndarray) else action
            episode.trajectory.append(Transition(self.observation, plain_action, *self.outcome))
        if self.task.metric_keys:
            self._trace.append({key: self.info[key] for key in self.task.metric_keys})
        if terminated or truncated:
            episode.terminated, episode.truncated = bool(terminated), bool(truncated)
            self._finish()
            return
        self._observe()

    def _observe(self) -> None:
        if self.episode.steps >= self.task.horizon:
            self.episode.truncated = True  # the task's horizon cut the episode
            self._finish()
        else:
            self.observation = self.obs if self.raw else self.observe(self.obs, self.info)

    def _finish(self) -> None:
        self.done = True
        if self._trace:
            self.episode.metrics = self.task.episode_metrics(self._trace)


def run_episode(
    task: Task,
    env: gym.Env,
    act: Callable[[Any], Any],
    seed: int,
    *,
    raw_observations: bool = False,
    keep_trajectory: bool = False,
    observe: Callable[[Any, dict[str, Any]], Any] | None = None,
) -> Episode:
    """Roll out `act` for one episode seeded with `seed`, at most `task.horizon` steps.

    `act` receives the task's read-only observation object, or the env's raw observation when
    `raw_observations` is set (RL baselines, scripted experts); `observe` replaces `task.observe` (the references'
    `task.reference_observe`). Its reply goes through `task.check_action`, so an invalid action raises
    `InvalidAction` here.
    """
    run = EpisodeRun(
        task, env, seed, raw_observations=raw_observations, keep_trajectory=keep_trajectory, observe=observe
    )
    while not run.done:
        run.step(task.check_action(act(run.observation), env.action_space))
    return run.episode


class ScoredEpisode(Protocol):
    episode_return: float
    success: bool


def episode_score(episode: ScoredEpisode, task: Task) -> float:
    """The task's per-episode score: the return, or 1.0/0.0 for success tasks (any record with those fields)."""
    return float(episode.success) if task.score == "success" else episode.episode_return


def evaluate(
    task: Task,
    make_act: Callable[[], Callable[[Any], Any]],
    seeds: list[int],
    *,
    raw_observations: bool = False,
    observe: Callable[[Any, dict[str, Any]], Any] | None = None,
) -> list[Episode]:
    """Trusted in-process evaluation (references, baselines): a fresh `make_act()` per episode, one env reused."""
    env = task.make_env()
    try:
        return [
            run_episode(task, env, make_act(), seed, raw_observations=raw_observations, observe=observe)
            for seed in seeds
        ]
    finally:
        env.close()


# Seeds. Within a round every candidate sees the same selection seeds (common random numbers, a fair comparison);
# each round draws new ones. Held-out seeds are disjoint from all selection seeds and shared by every method
# (PromptPO winners, RL baselines, references), so their scores are directly comparable.
HELDOUT_SEED_OFFSET = 1_000_000


def selection_seeds(round_index: int, episodes: int, base_seed: int = 0) -> list[int]:
    """Seeds of the `episodes` selection episodes of round `round_index` (1-based); < HELDOUT_SEED_OFFSET."""
    if not 0 <= episodes <= 1000:
        raise ValueError("at most 1000 selection episodes per round")
    return [base_seed + 1000 * round_index + i for i in range(episodes)]


def heldout_seeds(episodes: int, base_seed: int = 0) -> list[int]:
    """Seeds of the held-out evaluation episodes, the same for every method."""
    return [base_seed + HELDOUT_SEED_OFFSET + i for i in range(episodes)]


# Generated code that draws from the global `random` or `numpy.random` RNGs must be reproducible, but those RNGs
# must not be seeded with the episode's seed: their state would tell the code which (held-out) episode it is in.
POLICY_RNG_OFFSET = 2**31


def policy_rng_seed(episode_index: int) -> int:
    """Seed of the global RNGs in the `episode_index`-th episode (0-based) of an evaluation: depends only on the
    position, so the same code draws the same numbers in every evaluation whatever its environment seeds."""
    return POLICY_RNG_OFFSET + episode_index
