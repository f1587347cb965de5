"""Inside one confined worker process: load generated code, roll it out on seeded episodes, report as JSON."""

from __future__ import annotations

import errno
import io
import math
import os
import random
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np

from promptpo.files import THREAD_ENV
from promptpo.rollout import Episode, Transition, policy_rng_seed, run_episode
from promptpo.sandbox import channel
from promptpo.sandbox.guard import (
    GuardedAttributeError,
    GuardedImportError,
    compile_module,
    generated_traceback,
    load_class,
)
from promptpo.sandbox.os_limits import confine
from promptpo.sandbox.records import EvalJob, EvalResult, Failure, Limits
from promptpo.tasks import InvalidAction, Task, get_task

# The environment generated code runs with: nothing inherited, so no API key or token can leak into it.
SAFE_ENVIRONMENT = {**THREAD_ENV, "LANG": "C.UTF-8"}

# Finished episodes are reported to the parent (progress, and what a killed worker had done) at most this often,
# and always after the last one: a report per episode cost more than a NoiseWorld episode's bookkeeping.
REPORT_EVERY_S = 0.05


class Deadline(BaseException):
    """A wall-clock limit expired (a BaseException, so `except Exception` in generated code does not hide it)."""


class OutputLimit(BaseException):
    """Generated code printed more than the output limit."""


class BoundedOutput(io.TextIOBase):
    """stdout/stderr for generated code: keeps the first `limit` characters; beyond that every write raises."""

    def __init__(self, limit: int):
        self.limit, self.total, self.kept = limit, 0, io.StringIO()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.total += len(text)
        if self.total > self.limit:
            raise OutputLimit(f"printed more than {self.limit} characters")
        return self.kept.write(text)


class Alarm:
    """Per-call wall-clock limits. While the worker evaluates, a 10 ms interval timer ticks; the SIGALRM handler
    raises `Deadline` in whatever code runs once the armed limit has passed, and again at every later tick, so code
    that swallows the first `Deadline` gets another (and the parent kills the worker if it still does not stop).

    Arming and disarming only set an attribute: no system call per `act` call (two `setitimer` calls per step
    cost more than a NoiseWorld step itself). Limits resolve to the tick, 10 ms.
    """

    TICK_S = 0.01

    def __init__(self) -> None:
        self.deadline, self.label = math.inf, ""
        signal.signal(signal.SIGALRM, self._tick)
        signal.setitimer(signal.ITIMER_REAL, self.TICK_S, self.TICK_S)

    def _tick(self, signum: int, frame: Any) -> None:
        if time.monotonic() > self.deadline:
            raise Deadline(self.label)

    def arm(self, seconds: float, label: str) -> None:
        self.label = label
        self.deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        self.deadline = math.inf

    def stop(self) -> None:
        """Stop ticking (before the worker reports its result)."""
        self.disarm()
        signal.setitimer(signal.ITIMER_REAL, 0, 0)


def classify(error: BaseException, phase: str) -> Failure:
    """A structured failure for an exception raised during `phase` (init | act | env | feedback)."""
    trace = generated_traceback(error)
    if isinstance(error, Deadline):
        return Failure("timeout", f"{error} (wall-clock limit)", trace)
    if isinstance(error, MemoryError):
        return Failure("memory_limit", "the memory limit was exceeded (MemoryError)", trace)
    if isinstance(error, OutputLimit):
        return Failure("output_limit", str(error), trace)
    if isinstance(error, InvalidAction):
        return Failure("invalid_action", str(error), trace)
    if isinstance(error, GuardedImportError):
        return Failure("forbidden_import", str(error), trace)
    if isinstance(error, GuardedAttributeError):
        return Failure("forbidden_code", str(error), trace)
    if refused := _refused_by_os(error):
        return Failure("sandbox_violation", f"the sandbox refused an operation: {refused}", trace)
    message = f"{type(error).__name__}: {error}"
    if phase == "env":
        return Failure("act_error", f"the environment raised after the policy's action: {message}", trace)
    kind = {"init": "init_error", "act": "act_error", "feedback": "feedback_error"}[phase]
    return Failure(kind, message, trace)  # type: ignore[arg-type]


def _refused_by_os(error: BaseException | None) -> OSError | None:
    """The permission error behind `error` (libraries often re-raise it as something else), if any."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in (errno.EPERM, errno.EACCES, errno.ENOSYS):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def _random_policy(space: gym.Space, seed: int) -> Callable[[Any], Any]:
    space.seed(seed)
    return lambda observation: space.sample()


def _summaries(feedback_cls: type, trajectories: list[list[Transition]], limits: Limits, alarm: Alarm) -> list[str]:
    lines = []
    for trajectory in trajectories:
        alarm.arm(limits.feedback_timeout_s, f"Feedback.summarize_trajectory exceeded {limits.feedback_timeout_s} s")
        try:
            lines.append(str(feedback_cls().summarize_trajectory(trajectory))[:2000])
        finally:
            alarm.disarm()
    return lines


def evaluate(job: EvalJob, task: Task, env: gym.Env, report: Callable[[dict[str, Any]], None]) -> EvalResult:
    """Roll out the job's code on every seed. Runs *after* confinement; every failure becomes a record."""
    alarm = Alarm()
    try:
        return _evaluate(job, task, env, report, alarm)
    finally:
        alarm.stop()


def _evaluate(
    job: EvalJob, task: Task, env: gym.Env, report: Callable[[dict[str, Any]], None], alarm: Alarm
) -> EvalResult:
    limits, result = job.limits, EvalResult()
    # The observation class and the documented classes it extends, so that annotations in generated code resolve.
    names = {cls.__name__: cls for cls in task.observation_type.__mro__ if cls is not object}
    names["Transition"] = Transition
    # A fresh policy per episode means a fresh module too: the code is compiled once and executed anew for every
    # episode, so nothing the policy keeps (instance, class or module state) survives into the next episode. The
    # first execution happens here, so that a missing class or an error at import fails before any episode.
    module, first_class = None, None
    if job.code is not None:
        alarm.arm(limits.init_timeout_s, f"loading the code exceeded {limits.init_timeout_s} s")
        try:
            module = compile_module(job.code)
            first_class = load_class(module, job.class_name, "act", names)
        except LookupError as error:
            return EvalResult(failure=Failure("missing_class", str(error)))
        except BaseException as error:  # every failure of generated code becomes a record
            return EvalResult(failure=classify(error, "init"))
        finally:
            alarm.disarm()
    report({"type": "ready"})

    trajectories: list[list[Transition]] = []
    unreported: list[dict[str, Any]] = []
    last_report = time.monotonic()
    phase = "init"
    act_label = f"act() exceeded {limits.act_timeout_s} s"

    def on_step() -> None:
        result.env_steps += 1
        if time.monotonic() > episode_deadline:
            raise Deadline(f"the episode exceeded {limits.episode_timeout_s} s")

    for index, seed in enumerate(job.seeds):
        random.seed(policy_rng_seed(index))  # reproducible draws that reveal nothing about the episode's seed
        np.random.seed(policy_rng_seed(index))
        episode_deadline = time.monotonic() + limits.episode_timeout_s
        try:
            phase = "init"
            if module is None:
                act, phase = _random_policy(env.action_space, seed), "env"
            else:
                label = f"loading the code and {job.class_name}() exceeded {limits.init_timeout_s} s"
                alarm.arm(limits.init_timeout_s, label)
                policy_cls = first_class or load_class(module, job.class_name, "act", names)
                first_class = None
                policy = policy_cls()
                alarm.disarm()

                def act(observation: Any, policy: Any = policy) -> Any:  # bound now: a new policy each episode
                    nonlocal phase
                    phase = "act"
                    alarm.arm(limits.act_timeout_s, act_label)
                    try:
                        action = policy.act(observation)
                    finally:
                        alarm.disarm()
                    phase = "env"  # from here on, errors come from validating the action or from the simulator
                    return action

            episode = run_episode(task, env, act, seed, keep_trajectory=job.feedback_code is not None, on_step=on_step)
        except BaseException as error:
            alarm.disarm()
            result.failure = classify(error, phase)
            return result
        trajectories.append(episode.trajectory)
        record = {**vars(episode), "trajectory": []}  # trajectories stay in the worker (Feedback only)
        result.episodes.append(Episode(**record))
        unreported.append(record)
        if len(result.episodes) == len(job.seeds) or time.monotonic() - last_report >= REPORT_EVERY_S:
            report({"type": "episodes", "episodes": unreported, "env_steps": result.env_steps})
            unreported, last_report = [], time.monotonic()

    if job.feedback_code is not None:
        try:
            alarm.arm(limits.init_timeout_s, f"loading the Feedback code exceeded {limits.init_timeout_s} s")
            feedback_cls = load_class(compile_module(job.feedback_code), "Feedback", "summarize_trajectory", names)
            alarm.disarm()
            result.feedback = _summaries(feedback_cls, trajectories, limits, alarm)
        except BaseException as error:
            alarm.disarm()
            result.feedback_failure = Failure("feedback_error", classify(error, "feedback").describe())
    return result


def run_job(message: dict[str, Any], sock: socket.socket, envs: dict[str, gym.Env]) -> NoReturn:
    """Entry point of a freshly forked worker: confine, evaluate, send the result, exit. Never returns.

    `message` holds the job (as a dict) and `workdir`, a private folder the parent created and removes later: the
    only place the generated code may write.
    """
    started = time.monotonic()
    spec = message["job"]
    job = EvalJob(**{**spec, "seeds": tuple(spec["seeds"]), "limits": Limits(**spec["limits"])})
    workdir = Path(message["workdir"])
    try:
        task = get_task(job.task)
        env = envs[job.task] if job.task in envs else task.make_env()
        output = BoundedOutput(job.limits.output_chars)
        _redirect_stdio(output)
        os.environ.clear()
        os.environ.update(SAFE_ENVIRONMENT)
        cpu_budget = int(job.limits.init_timeout_s + len(job.seeds) * (job.limits.episode_timeout_s + 1) + 30)
        layers = confine(job.limits.memory_mb, cpu_budget, workdir)
        os.chdir(workdir)
        result = evaluate(job, task, env, lambda update: channel.send(sock, update))
        result.output = output.kept.getvalue()[:10_000]
        result.wall_s = time.monotonic() - started
        channel.send(sock, {"type": "result", "result": result.to_dict(), "layers": layers})
    except BaseException as error:  # report instead of dying silently
        failure = Failure("crash", f"the worker failed: {type(error).__name__}: {error}")
        try:
            channel.send(sock, {"type": "result", "result": EvalResult(failure=failure).to_dict(), "layers": {}})
        except OSError:
            pass
    finally:
        os._exit(0)


def _redirect_stdio(output: BoundedOutput) -> None:
    """C-level writes to fds 1 and 2 go to /dev/null; Python-level prints go to the bounded buffer."""
    import sys

    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdout = sys.stderr = output  # type: ignore[assignment]
