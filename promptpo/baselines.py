"""RL baselines: Stable-Baselines3 PPO, DQN and SAC on any task, with learning curves scored on held-out seeds."""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import yaml
from stable_baselines3 import DQN, PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.type_aliases import TrainFrequencyUnit
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv, VecNormalize

from promptpo.algorithms import SUPPORTED_ACTION_SPACES, Algo
from promptpo.rollout import HELDOUT_SEED_OFFSET, Episode, episode_score, evaluate, heldout_seeds
from promptpo.tasks import Task, get_task

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "dqn": DQN, "sac": SAC}

HYPERPARAMS_DIR = Path(__file__).resolve().parents[1] / "data" / "hyperparams"
DEFAULT_ENTRY = "default"

# Hyperparameter keys consumed here rather than passed to the SB3 constructor (same meaning as in RL-Zoo).
#   n_timesteps: the training budget used when BaselineConfig.total_steps is None.
#   n_envs: number of training env copies stepped in lockstep (DummyVecEnv, one process).
#   normalize: true, or a mapping of VecNormalize kwargs; running mean/std normalisation of observations and
#     (by default) rewards during training. Evaluation applies the frozen observation statistics only: scores
#     are always the task's raw reward. Pitfall: at step 0 the statistics hold only the first reset observations
#     (variance near 0), so the step-0 point of a normalised run scores the untrained policy on inputs clipped
#     to +-10, not on unit-scale inputs.
WRAPPER_KEYS = ("n_timesteps", "n_envs", "normalize")

# policy_kwargs["activation_fn"] is written as a name in the YAML (RL-Zoo writes Python code and evals it).
ACTIVATIONS: dict[str, type[torch.nn.Module]] = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "elu": torch.nn.ELU,
    "leaky_relu": torch.nn.LeakyReLU,
    "gelu": torch.nn.GELU,
}
# Constructor arguments that accept a schedule: "lin_<x>" means x * progress_remaining (x at the start of
# training, 0 at total_steps), as in RL-Zoo.
SCHEDULE_KEYS = ("learning_rate", "clip_range", "clip_range_vf")


@dataclass
class BaselineConfig:
    """One training run of one algorithm on one task with one seed.

    algo: "ppo" (any action space), "dqn" (Discrete only) or "sac" (Box only).
    task: registered task name (`promptpo.tasks.get_task`).
    seed: seeds SB3 (torch, numpy, python, action-space sampling) and the first reset of training env i
        (seed + i; later resets continue each env's own generator). Must lie below the held-out seed range.
    total_steps: environment steps of training; None uses the hyperparameter entry's `n_timesteps`.
    eval_every: environment steps between learning-curve points (a point is also taken at step 0). Must divide
        total_steps and be a multiple of the entry's n_envs, so points fall exactly on multiples of it.
    eval_episodes: held-out episodes per curve point (seeds `heldout_seeds(eval_episodes)`, the same each time).
    hyperparams_file: YAML file of entries; None means data/hyperparams/<algo>.yml.
    hyperparams_key: entry to use; None means the task's own entry, or the file's `default` entry if it has none.
    overrides: applied on top of the entry (smoke tests, sweeps); same keys and value forms as the YAML.
    device: torch device; "cpu" because these small MLPs are faster there and CPU runs are reproducible.
    """

    algo: Algo
    task: str
    seed: int = 0
    total_steps: int | None = None
    eval_every: int = 10_000
    eval_episodes: int = 10
    hyperparams_file: str | None = None
    hyperparams_key: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"


@dataclass
class LearningCurve:
    """Result of `train_baseline`: plain data, ready for `pandas.DataFrame(curve.rows)` or JSON.

    rows: one dict per evaluation point with keys task, algo, seed, env_steps, score (the task's score: mean
        return or success rate over the held-out episodes), score_std, mean_return, success_rate,
        eval_episodes and train_seconds (training wall time so far, evaluation excluded).
    hyperparams_key / hyperparams: the entry used and its resolved values (schedules written back as "lin_x").
    env_steps: training environment steps taken (= total_steps).
    train_seconds / eval_seconds: wall time spent training and evaluating.
    steps_per_second: env_steps / train_seconds (training throughput, evaluation excluded).
    final_episodes: the held-out episodes of the last evaluation point (with the task's secondary metrics).
    """

    config: dict[str, Any]
    hyperparams_key: str
    hyperparams: dict[str, Any]
    rows: list[dict[str, Any]]
    env_steps: int
    train_seconds: float
    eval_seconds: float
    steps_per_second: float
    final_episodes: list[Episode] = field(default_factory=list)


# ---- hyperparameters ---------------------------------------------------------------------------------------------


def hyperparams_path(algo: str) -> Path:
    """The default YAML file of `algo`."""
    _check_algo(algo)
    return HYPERPARAMS_DIR / f"{algo}.yml"


def load_hyperparams(path: str | Path) -> dict[str, dict[str, Any]]:
    """All entries of a hyperparameter file (YAML anchors and `<<` merges resolved), keyed by entry name."""
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle) or {}
    if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
        raise ValueError(f"{path}: expected a mapping of entry name -> mapping of hyperparameters")
    return entries


def select_entry(config: BaselineConfig) -> tuple[str, dict[str, Any]]:
    """(entry name, raw values with overrides applied) for `config`; see BaselineConfig for the lookup order."""
    path = Path(config.hyperparams_file) if config.hyperparams_file else hyperparams_path(config.algo)
    entries = load_hyperparams(path)
    key = config.hyperparams_key or (config.task if config.task in entries else DEFAULT_ENTRY)
    if key not in entries:
        raise KeyError(f"{path}: no entry {key!r} (and no {DEFAULT_ENTRY!r} entry to fall back on)")
    return key, {**entries[key], **config.overrides}


def algorithm_kwargs(algo: str, values: dict[str, Any]) -> dict[str, Any]:
    """SB3 constructor kwargs from an entry's values (wrapper keys removed, names turned into objects).

    Raises ValueError naming any key the algorithm's constructor does not accept, so a typo in a YAML file
    fails at once instead of deep inside SB3.
    """
    _check_algo(algo)
    kwargs = {key: value for key, value in values.items() if key not in WRAPPER_KEYS}
    # policy, env, seed and device are set by build_model; everything else the constructor takes is allowed.
    accepted = set(inspect.signature(ALGORITHMS[algo].__init__).parameters)
    accepted -= {"self", "policy", "env", "seed", "device", "_init_setup_model"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"{algo.upper()} does not accept {unknown}; the policy class is chosen from the "
            f"observation space, seed/device come from BaselineConfig"
        )
    for key in SCHEDULE_KEYS:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = _schedule(kwargs[key])
    if "train_freq" in kwargs and isinstance(kwargs["train_freq"], list):
        kwargs["train_freq"] = tuple(kwargs["train_freq"])  # YAML has no tuples: [1, "episode"]
    if "policy_kwargs" in kwargs:
        policy_kwargs = dict(kwargs["policy_kwargs"])
        if "activation_fn" in policy_kwargs:
            name = policy_kwargs["activation_fn"]
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown activation_fn {name!r}; known: {sorted(ACTIVATIONS)}")
            policy_kwargs["activation_fn"] = ACTIVATIONS[name]
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def _schedule(text: str) -> Callable[[float], float]:
    if not text.startswith("lin_"):
        raise ValueError(f"unknown schedule {text!r}: only 'lin_<initial value>' is supported")
    # progress_remaining goes from 1 to 0 over training: LinearSchedule(x, 0, 1)(p) == x * p.
    return LinearSchedule(float(text.removeprefix("lin_")), 0.0, 1.0)


def policy_class_for(observation_space: gym.Space) -> str:
    """SB3 policy for an observation space: MultiInputPolicy for Dict observations (point maze), else MlpPolicy."""
    return "MultiInputPolicy" if isinstance(observation_space, gym.spaces.Dict) else "MlpPolicy"


def _check_algo(algo: str) -> None:
    if algo not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algo!r}; known: {sorted(ALGORITHMS)}")


# ---- model and environments --------------------------------------------------------------------------------------


def check_compatible(algo: str, task: Task, action_space: gym.Space) -> None:
    """Raise ValueError when `algo` cannot act in `task`'s action space (DQN needs Discrete, SAC needs Box)."""
    _check_algo(algo)
    supported = SUPPORTED_ACTION_SPACES[algo]
    if not isinstance(action_space, supported):
        names = " or ".join(space.__name__ for space in supported)
        raise ValueError(f"{algo.upper()} needs a {names} action space; task {task.name!r} has {action_space}")


def make_training_env(task: Task, n_envs: int, normalize: bool | dict[str, Any], gamma: float) -> VecEnv:
    """`n_envs` copies of the task env as an SB3 VecEnv: each a Monitor over the task's own env.

    The TimeLimit repeats the task's horizon: task envs already end episodes within it, and evaluation
    (`run_episode`) cuts at it too, so training episodes are exactly the episodes that are scored.
    """

    def make() -> gym.Env:
        return Monitor(gym.wrappers.TimeLimit(task.make_env(), max_episode_steps=task.horizon))

    venv: VecEnv = DummyVecEnv([make] * n_envs)
    if normalize:
        # As RL-Zoo: reward normalisation discounts with the algorithm's gamma.
        options = {"gamma": gamma, **(normalize if isinstance(normalize, dict) else {})}
        venv = VecNormalize(venv, **options)
    return venv


def build_model(config: BaselineConfig, task: Task | None = None) -> tuple[BaseAlgorithm, str, dict[str, Any]]:
    """The untrained SB3 model for `config` (seeded), with the entry name and raw values it was built from.

    `task` defaults to `get_task(config.task)`; pass one to use a task that is not registered (tests).
    """
    task = task if task is not None else get_task(config.task)
    key, values = select_entry(config)
    kwargs = algorithm_kwargs(config.algo, values)
    if not 0 <= config.seed < HELDOUT_SEED_OFFSET - values.get("n_envs", 1):
        raise ValueError(
            f"seed must lie in [0, {HELDOUT_SEED_OFFSET}) minus n_envs: training resets stay off the held-out seeds"
        )
    gamma = kwargs.get("gamma", inspect.signature(ALGORITHMS[config.algo].__init__).parameters["gamma"].default)
    venv = make_training_env(task, values.get("n_envs", 1), values.get("normalize", False), gamma)
    try:
        check_compatible(config.algo, task, venv.action_space)
        model = ALGORITHMS[config.algo](
            policy_class_for(venv.observation_space), venv, seed=config.seed, device=config.device, **kwargs
        )
    except BaseException:
        venv.close()
        raise
    return model, key, values


# ---- evaluation and training ----------------------------------------------------------------------------------------


def heldout_scores(task: Task, model: BaseAlgorithm, episodes: int) -> tuple[dict[str, float], list[Episode]]:
    """(score summary, the episodes) of `model`'s deterministic policy on the task's first `episodes` held-out seeds.

    Observations are normalised with the training VecNormalize's frozen statistics when there is one (the
    policy was trained on normalised inputs); rewards are always the task's own.
    """
    venv = model.get_env()
    normalizer = venv if isinstance(venv, VecNormalize) else None

    def act(observation: Any) -> Any:
        if normalizer is not None:
            observation = normalizer.normalize_obs(observation)
        return model.predict(observation, deterministic=True)[0]

    runs = evaluate(task, lambda: act, heldout_seeds(episodes), raw_observations=True)
    scores = np.array([episode_score(run, task) for run in runs])
    summary = {
        "score": float(scores.mean()),
        "score_std": float(scores.std()),
        "mean_return": float(np.mean([run.episode_return for run in runs])),
        "success_rate": float(np.mean([run.success for run in runs])),
    }
    return summary, runs


class _CurveCallback(BaseCallback):
    """Evaluates at step 0 and every `eval_every` steps; stops training at exactly `total_steps`.

    SB3 calls `on_step` after each env step but before learning from it. Points before the budget therefore
    score the policy that is collecting that step's experience (as SB3's EvalCallback does). The last point is
    taken when training ends, after the final update, so it reflects all `total_steps` steps of experience
    whenever the budget ends an update period (PPO: n_steps * n_envs; DQN/SAC: train_freq steps * n_envs).
    Otherwise the last, unfinished period's experience goes unused: training never takes a step past the budget.
    """

    def __init__(self, task: Task, config: BaselineConfig, total_steps: int):
        super().__init__()
        self.task, self.config, self.total_steps = task, config, total_steps
        self.rows: list[dict[str, Any]] = []
        self.episodes: list[Episode] = []  # the last evaluation's
        self.next_eval = 0
        self.eval_seconds = 0.0
        self.started = 0.0

    def _on_training_start(self) -> None:
        self.started = time.perf_counter()
        self._evaluate()

    def _on_step(self) -> bool:
        if self.num_timesteps < self.total_steps:
            if self.num_timesteps >= self.next_eval:
                self._evaluate()
            return True
        # At the budget: continue only if this step completes an update period; SB3 then updates and stops.
        return self._step_completes_update_period()

    def _on_training_end(self) -> None:
        self._evaluate()

    def _step_completes_update_period(self) -> bool:
        if "n_rollout_steps" in self.locals:  # on-policy collect_rollouts; n_steps counts earlier steps
            return self.locals["n_steps"] + 1 == self.locals["n_rollout_steps"]
        train_freq = self.model.train_freq  # off-policy collect_rollouts; num_collected_steps includes this one
        return train_freq.unit == TrainFrequencyUnit.STEP and self.locals["num_collected_steps"] == train_freq.frequency

    def _evaluate(self) -> None:
        begin = time.perf_counter()
        train_seconds = begin - self.started - self.eval_seconds
        scores, self.episodes = heldout_scores(self.task, self.model, self.config.eval_episodes)
        self.eval_seconds += time.perf_counter() - begin
        self.rows.append(
            {
                "task": self.task.name,
                "algo": self.config.algo,
                "seed": self.config.seed,
                "env_steps": int(self.num_timesteps),
                **scores,
                "eval_episodes": self.config.eval_episodes,
                "train_seconds": train_seconds,
            }
        )
        self.next_eval += self.config.eval_every


def train_baseline(config: BaselineConfig, task: Task | None = None) -> LearningCurve:
    """Train `config.algo` on `config.task` and return its learning curve on held-out seeds.

    Why held-out seeds: PromptPO selects candidates on selection seeds and re-scores winners on
    `heldout_seeds`, which no method ever trains or selects on. Scoring the baselines on those same seeds puts
    every method on one footing: a score measures how the policy does on fresh episodes (new start states,
    Meta-World task variations, maze goals, transition noise), not how well it fits the episodes it learned
    from. The same seeds at every curve point (common random numbers) also make differences between points
    reflect policy changes rather than evaluation luck. The policy acts deterministically (its mode/greedy
    action), the usual way to report SB3 agents.

    Reproducible: with the same config, code and library versions, the curve rows are identical apart from
    the `train_seconds` timings. torch is set to one thread for the run (restored afterwards): multi-threaded
    CPU kernels may sum in a different order, and one thread is also faster for these small networks.
    `task` defaults to `get_task(config.task)`; pass one to train on an unregistered task (tests).
    """
    task = task if task is not None else get_task(config.task)
    if task.name != config.task:
        raise ValueError(f"config.task is {config.task!r} but the task passed is {task.name!r}")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, key, values = build_model(config, task)
        try:
            total_steps = _budget(config, key, values, model.n_envs)
            callback = _CurveCallback(task, config, total_steps)
            begin = time.perf_counter()
            model.learn(total_timesteps=total_steps, callback=callback)
            elapsed = time.perf_counter() - begin
        finally:
            model.get_env().close()
    finally:
        torch.set_num_threads(threads)
    train_seconds = elapsed - callback.eval_seconds
    return LearningCurve(
        config=dataclasses.asdict(config),
        hyperparams_key=key,
        hyperparams=values,
        rows=callback.rows,
        env_steps=int(model.num_timesteps),
        train_seconds=train_seconds,
        eval_seconds=callback.eval_seconds,
        steps_per_second=model.num_timesteps / train_seconds,
        final_episodes=callback.episodes,
    )


def _budget(config: BaselineConfig, key: str, values: dict[str, Any], n_envs: int) -> int:
    """Training steps for `config`, checked so that curve points fall exactly on multiples of eval_every."""
    if config.total_steps is None and "n_timesteps" not in values:
        raise ValueError(f"hyperparameter entry {key!r} has no n_timesteps: set BaselineConfig.total_steps")
    total_steps = int(config.total_steps if config.total_steps is not None else values["n_timesteps"])
    if total_steps <= 0 or config.eval_every <= 0:
        raise ValueError("total_steps and eval_every must be positive")
    if total_steps % config.eval_every or config.eval_every % n_envs:
        raise ValueError(
            f"eval_every ({config.eval_every}) must divide total_steps ({total_steps}) and be a "
            f"multiple of n_envs ({n_envs}) so that curve points fall exactly on its multiples"
        )
    return total_steps
