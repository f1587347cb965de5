"""The Task contract: one environment plus everything PromptPO, the baselines and the references are told about it."""

from __future__ import annotations

import abc
import functools
import inspect
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, Literal

import gymnasium as gym
import numpy as np

ScoreKind = Literal["return", "success"]

REFERENCE_SUFFIX = " (reference)"


class InvalidAction(ValueError):
    """A policy returned something the task's action space does not accept (the message says why)."""


class Task(abc.ABC):
    """One benchmark task.

    ## Environment
    `make_env()` builds a fresh gymnasium environment. Episodes are seeded with `env.reset(seed=s)`; a task whose
    simulator cannot be reseeded on reset documents how it honours the seed instead. The env ends episodes itself
    (terminated or truncated) within `horizon` steps.

    ## Reward (single source of truth)
    The reward returned by `env.step` *is* the scored reward, and it is computed by `reward_function`, the very
    function whose source the LLM is shown. Tasks whose simulator computes its own reward wrap it in
    `ScoredByTask` and define `score_step` (and `before_step` if the reward needs the state before the step), so
    that the scored reward comes from `reward_function`; a test checks that both agree. Tasks that hide the reward
    from the LLM (NoiseWorld, as in the paper) set `reward_text` instead, and the prompt shows that text.

    ## Observation
    Policies never see the environment. Each step, `observe(obs, info)` turns the raw observation into a fresh,
    read-only instance of `observation_type`: a documented dataclass whose source is the observation context the
    LLM is shown. The process that runs generated code receives only `policy_info(info)`, the part of `info` that
    `observe` reads (a test checks that nothing is missing).

    ## Action
    `check_action(action)` converts a policy's reply into what `env.step` accepts, or raises `InvalidAction`
    (NaN, inf, out of bounds, wrong shape, wrong type). `action_meanings` names each index (Box) or each discrete
    action (Discrete).

    ## Score
    `score == "return"`: mean episode return. `score == "success"`: mean over episodes of max over steps of
    `info["success"]`, which the env computes with the task's documented success rule.

    ## Secondary metrics
    A task may summarise each episode by more than its score (glucose: time in range, hypo/hyper fractions, risk
    index). It lists the `info` keys it needs in `metric_keys`; every method's evaluation keeps those values of each
    step (on the trusted side) and stores `episode_metrics(trace)` with the episode. Metrics are reported beside
    the score, never used to select or train.
    """

    name: str
    family: str
    horizon: int
    score: ScoreKind
    observation_type: type
    action_meanings: tuple[str, ...]
    termination: str
    reward_function: Callable[..., Any] | None = None
    reward_text: str | None = None
    extra_context: str = ""
    policy_class_name: str = "Policy"
    paper_rounds: int = 10  # PromptPO rounds the paper used for this task (method.md)
    metric_keys: tuple[str, ...] = ()  # info keys that `episode_metrics` reads, one value per step

    @abc.abstractmethod
    def make_env(self) -> gym.Env:
        """A fresh environment whose step reward is the scored reward (see the class docstring)."""

    @functools.cached_property
    def action_space(self) -> gym.Space:
        """The environment's action space, read once from a fresh env and cached (as Gymnasium's `Env` keeps it).
        Shared: copy it before seeding or sampling from it."""
        env = self.make_env()
        try:
            return env.action_space
        finally:
            env.close()

    @abc.abstractmethod
    def observe(self, obs: Any, info: dict[str, Any]) -> Any:
        """The read-only `observation_type` instance a policy receives for this raw observation."""

    def policy_info(self, info: dict[str, Any]) -> dict[str, Any]:
        """The part of a step's `info` that `observe` reads: all of it that the process running generated code
        receives. Default: nothing (no observation is built from `info`); sending numpy scalars costs microseconds a
        step, and a task whose info holds what policies must not see keeps it on the trusted side."""
        return {}

    def before_step(self, sim: Any) -> Any:
        """What `score_step` needs from the simulator (`env.unwrapped`) before a step, e.g. a position whose change
        the reward pays for; None when nothing."""
        return None

    def score_step(
        self, sim: Any, before: Any, action: Any, obs: Any, info: dict[str, Any]
    ) -> tuple[float, bool | None]:
        """(reward, success) of one step, computed by the task's documented functions from the simulator after the
        step, `before` (from `before_step`), the action and the raw observation. success None: the task has no
        success rule of its own. Tasks whose env is wrapped in `ScoredByTask` define it."""
        raise NotImplementedError(f"task {self.name!r} scores inside its environment")

    def episode_metrics(self, trace: Sequence[dict[str, Any]]) -> dict[str, float]:
        """Secondary metrics of one episode from `trace`, one dict per step (after it) holding the step's
        `info[key]` for each key of `metric_keys`. Default: none."""
        return {}

    # ---- references: what the scores are compared with ----------------------------------------------------------

    def oracle(self) -> tuple[str, Callable[[], Callable[[Any], Any]]] | None:
        """(name, factory of fresh act functions) of the task's best known policy (exact optimum, planner, scripted
        expert), evaluated like every method; None when there is none. Its act functions receive the task's
        observation objects unless the task says otherwise."""
        return None

    def references(self) -> list[tuple[str, Callable[[], Callable[[Any], Any]]]]:
        """(name, factory of fresh act functions) of reference policies of known quality that are not an optimum
        (controllers, rules of thumb), evaluated like the oracle; their rows in the references table carry the
        suffix `REFERENCE_SUFFIX`, so that no report mistakes them for the optimum."""
        return []

    def reference_observe(self, obs: Any, info: dict[str, Any]) -> Any:
        """What the oracle and the named references receive: `observe(obs, info)` unless a reference needs what
        policies never see (glucose's basal-bolus controller reads the meal announcement)."""
        return self.observe(obs, info)

    def exact_optimum(self) -> float | None:
        """The optimal expected return when it is known exactly (not estimated by episodes); None otherwise."""
        return None

    def check_action(self, action: Any, space: gym.Space) -> Any:
        """`action` converted for `env.step`, or `InvalidAction`; override for task-specific rules."""
        return check_action(action, space)

    # ---- what the LLM is shown -------------------------------------------------------------------------------

    def observation_source(self) -> str:
        """Python source of the observation class (and of any documented helper classes it names)."""
        return source_of(self.observation_type)

    def reward_source(self) -> str:
        """The reward as the LLM sees it: the scoring function's source, or the task's qualitative text."""
        if self.reward_function is not None:
            return source_of(self.reward_function)
        if self.reward_text is None:
            raise ValueError(f"task {self.name!r} defines neither reward_function nor reward_text")
        return self.reward_text

    def action_description(self) -> str:
        """Plain-language action space: type, shape, bounds and the meaning of each index or action."""
        return describe_action_space(self.action_space, self.action_meanings)

    def starter_stub(self) -> str:
        """The class skeleton the LLM completes: imports, class name and the `act` signature."""
        obs_name = self.observation_type.__name__
        return textwrap.dedent(
            f'''\
            import numpy as np


            class {self.policy_class_name}:
                def __init__(self):
                    """Called once at the start of every episode: a fresh instance per episode."""

                def act(self, obs: {obs_name}):
                    """Return the action for observation `obs` (read-only: copy before modifying)."""
                    raise NotImplementedError
            '''
        )


class ScoredByTask(gym.Wrapper):
    """The one reward wrapper of the contract: each step's reward (and `info["success"]`, for tasks with a success
    rule) comes from the task's `score_step`, i.e. from the functions whose source the LLM is shown.

    Observations, termination and truncation pass through unchanged. The simulator's own reward and success stay in
    info["env_reward"] and info["env_success"], so anyone can check that both agree (the family tests do).
    """

    def __init__(self, env: gym.Env, task: Task) -> None:
        super().__init__(env)
        self.task = task

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        sim = self.env.unwrapped
        before = self.task.before_step(sim)
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        reward, success = self.task.score_step(sim, before, action, obs, info)
        info = {**info, "env_reward": float(env_reward)}
        if success is not None:
            info["env_success"] = bool(info.get("success", False))
            info["success"] = success
        return obs, reward, terminated, truncated, info


# ---- helpers shared by every task ------------------------------------------------------------------------------


def source_of(obj: Any) -> str:
    """`inspect.getsource` with common indentation removed."""
    return textwrap.dedent(inspect.getsource(obj))


def frozen_array(values: Any, dtype: Any = np.float64) -> np.ndarray:
    """A read-only copy of `values`: policies may read it but any write raises `ValueError`."""
    array = np.array(values, dtype=dtype, copy=True)
    array.flags.writeable = False
    return array


def check_action(action: Any, space: gym.Space) -> Any:
    """Validate a policy's action against a Discrete or Box space; returns the value to pass to `env.step`.

    Discrete: a Python int or numpy integer (a 0-d or size-1 integer array is accepted too) in range; bools and
    floats are rejected, as the paper's NoiseWorld does. Box: anything `np.asarray` turns into a real array of the
    space's shape (a scalar for shape (1,) is accepted), all finite and within the bounds. Returned with the values
    the policy gave: a float32 or float64 array keeps its dtype, anything else becomes float64; never cast to the
    space's dtype (a float32 cast rounds the action and changes MuJoCo trajectories). Out-of-range actions are
    rejected rather than clipped so that the policy writer learns about them.
    """
    if isinstance(space, gym.spaces.Discrete):
        value = action
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(()).item() if np.issubdtype(value.dtype, np.integer) else value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise InvalidAction(f"expected an int in [0, {space.n}), got {type(action).__name__} {action!r:.80}")
        if not space.start <= int(value) < space.start + space.n:
            raise InvalidAction(f"action {int(value)} is outside [{space.start}, {space.start + space.n})")
        return int(value)
    if isinstance(space, gym.spaces.Box):
        try:
            array = np.asarray(action)
            if array.dtype not in (np.float32, np.float64):
                array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise InvalidAction(f"expected {space.shape} real numbers, got {type(action).__name__}: {error}") from None
        if array.shape != space.shape and not (array.size == math.prod(space.shape) and array.ndim <= 1):
            raise InvalidAction(f"expected shape {space.shape}, got shape {array.shape}")
        array = array.reshape(space.shape)
        if not np.isfinite(array).all():  # ndarray methods: np.all/np.any add microseconds per step
            raise InvalidAction(f"action contains NaN or inf: {array.tolist()}")
        low, high = _bounds(space)
        if (array < low).any() or (array > high).any():
            raise InvalidAction(
                f"action {np.round(array, 4).tolist()} is outside [{space.low.tolist()}, {space.high.tolist()}]"
            )
        return array
    raise TypeError(f"unsupported action space {space}")


_BOUNDS: dict[int, tuple[gym.spaces.Box, np.ndarray, np.ndarray]] = {}


def _bounds(space: gym.spaces.Box) -> tuple[np.ndarray, np.ndarray]:
    """The space's bounds with a 1e-9 tolerance, computed once per space (the entry keeps the space alive, so its
    id cannot be reused by another one)."""
    entry = _BOUNDS.get(id(space))
    if entry is None or entry[0] is not space:
        entry = _BOUNDS[id(space)] = (space, space.low - 1e-9, space.high + 1e-9)
    return entry[1], entry[2]


def describe_action_space(space: gym.Space, meanings: tuple[str, ...]) -> str:
    """Action space text for the prompt, one line per index (Box) or per action (Discrete)."""
    if isinstance(space, gym.spaces.Discrete):
        last = space.start + space.n - 1
        lines = [f"Discrete({space.n}): return a Python int (or numpy integer) from {space.start} to {last}."]
        lines += [f"  {space.start + i}: {meaning}" for i, meaning in enumerate(meanings)]
        return "\n".join(lines)
    if isinstance(space, gym.spaces.Box):
        low, high = np.broadcast_to(space.low, space.shape), np.broadcast_to(space.high, space.shape)
        lines = [
            f"Box(shape={space.shape}, dtype={np.dtype(space.dtype).name}): return a numpy array (or list) of "
            f"{math.prod(space.shape)} finite floats within the bounds below; out-of-bounds actions are an error."
        ]
        for index, meaning in enumerate(meanings):
            lines.append(f"  action[{index}] in [{low.flat[index]:g}, {high.flat[index]:g}]: {meaning}")
        return "\n".join(lines)
    raise TypeError(f"unsupported action space {space}")
