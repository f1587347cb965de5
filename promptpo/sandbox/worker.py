"""Inside one confined worker process: load generated code and answer the host, an action per observation.

The worker has no environment: it receives raw observations (and the outcome of its last action) from the job's
host (`host.py`), builds the observation object, calls the policy, checks the action and sends it back.
"""

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np

from promptpo.files import THREAD_ENV
from promptpo.rollout import Transition, policy_rng_seed
from promptpo.sandbox import link
from promptpo.sandbox.guard import (
    GuardedAttributeError,
    GuardedImportError,
    compile_module,
    generated_traceback,
    load_class,
)
from promptpo.sandbox.os_limits import confine
from promptpo.sandbox.records import EvalJob, Failure
from promptpo.sandbox.reports import MAX_FEEDBACK_CHARS, MAX_OUTPUT_CHARS
from promptpo.tasks import InvalidAction, Task, get_task

# The environment generated code runs with: nothing inherited, so no API key or token can leak into it.
SAFE_ENVIRONMENT = {**THREAD_ENV, "LANG": "C.UTF-8"}


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

    `repeat=False` (the trusted parent's alarm) raises once and disarms: a second `Deadline` from a later tick
    would land in the handler of the first, before its `disarm`, and escape it.
    """

    TICK_S = 0.01

    def __init__(self, repeat: bool = True) -> None:
        self.deadline, self.label, self.repeat = math.inf, "", repeat
        signal.signal(signal.SIGALRM, self._tick)
        signal.setitimer(signal.ITIMER_REAL, self.TICK_S, self.TICK_S)

    def _tick(self, signum: int, frame: Any) -> None:
        if time.monotonic() > self.deadline:
            if not self.repeat:
                self.deadline = math.inf
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


def serve(job: EvalJob, task: Task, host: link.HostLink, layers: dict[str, object]) -> None:
    """Load the job's code, then answer the host (an action per observation, Feedback summaries) until it asks
    to close. Runs *after* confinement; every failure of the generated code is sent as a record (one that
    prevents loading it ends the serving: the host then only asks to close)."""
    alarm = Alarm()
    try:
        closed = _serve(job, task, host, layers, alarm)
    finally:
        alarm.stop()
    while not closed:
        closed = host.receive()[0] == "close"


def _serve(job: EvalJob, task: Task, host: link.HostLink, layers: dict[str, object], alarm: Alarm) -> bool:
    """True when the host asked to close, False after reporting that the code cannot be loaded."""
    limits = job.limits
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
        except BaseException as error:  # every failure of generated code becomes a record
            alarm.disarm()  # first: a later tick would raise again
            missing = isinstance(error, LookupError)
            _fail(host, Failure("missing_class", str(error)) if missing else classify(error, "init"))
            return False
        alarm.disarm()
    host.send(link.json_packet(link.READY, layers))
    episodes = Episodes(job, task, module, first_class, names, alarm)
    while True:
        message = host.receive()
        if message[0] == "round":  # ("round", [("start" | "step" | "end", episode index, ...), ...])
            host.send_many([reply for item in message[1] if (reply := episodes.answer(item)) is not None])
        elif message[0] == "feedback":
            _summaries(host, job, names, [episodes.trajectories[i] for i in sorted(episodes.trajectories)], alarm)
        else:  # "close"
            return True


@dataclass
class _Episode:
    """What the worker keeps of a running episode: its policy's `act` and, for the Feedback summariser, its
    trajectory and the (observation object, plain action) of its last step."""

    act: Callable[[Any], Any]
    previous: tuple[Any, Any] = (None, None)
    trajectory: list[Transition] = field(default_factory=list)


class Episodes:
    """The policies of the episodes the host is running (several at a time in lockstep), answering one message
    each: an action, a failure record of that episode (the others carry on), or nothing (an episode's end)."""

    def __init__(
        self,
        job: EvalJob,
        task: Task,
        module: CodeType | None,
        first_class: type | None,
        names: dict[str, Any],
        alarm: Alarm,
    ):
        self.job, self.task, self.module, self.names, self.alarm = job, task, module, names, alarm
        self.first_class = first_class  # the class the load check made: episode 0's (see `_serve`)
        self.keep = job.feedback_code is not None
        self.act_label = f"act() exceeded {job.limits.act_timeout_s} s"
        self.running: dict[int, _Episode] = {}
        self.trajectories: dict[int, list[Transition]] = {}  # of ended episodes, by index
        self.failed: tuple[int, bytes] | None = None  # (lowest failed episode index, its failure packet)

    def answer(self, item: tuple[Any, ...]) -> bytes | None:
        kind, index = item[0], item[1]
        if kind == "end":  # ("end", index, outcome of the episode's last action)
            ended = self.running.pop(index)
            if self.keep:
                ended.trajectory.append(Transition(*ended.previous, *item[2]))
                self.trajectories[index] = ended.trajectory
            return None
        if self.failed is not None and index > self.failed[0]:
            # The host drops every episode after the first failed one unread (the one-at-a-time loop never ran
            # them): answering without running the policy saves an act() limit per episode of a hanging policy.
            self.running.pop(index, None)
            return self.failed[1]
        phase = "init"
        try:
            if kind == "start":  # ("start", index, raw obs, info, seed for the built-in random policy)
                _, _, obs, info, seed = item
                episode = self.running[index] = _Episode(self._policy(index, seed))
            else:  # ("step", index, outcome of the previous action, raw obs, info)
                _, _, outcome, obs, info = item
                episode = self.running[index]
                if self.keep:
                    episode.trajectory.append(Transition(*episode.previous, *outcome))
            observation = self.task.observe(obs, info)
            phase = "act"
            self.alarm.arm(self.job.limits.act_timeout_s, self.act_label)
            try:
                action = episode.act(observation)
            finally:
                self.alarm.disarm()
            phase = "env"  # from here on, errors come from validating the action
            checked = self.task.check_action(action, self.task.action_space)
            episode.previous = (observation, checked.tolist() if isinstance(checked, np.ndarray) else checked)
        except BaseException as error:  # every failure of generated code becomes a record
            self.alarm.disarm()
            self.running.pop(index, None)
            packet = link.json_packet(link.FAILURE, asdict(classify(error, phase)))
            if self.failed is None or index < self.failed[0]:
                self.failed = (index, packet)
            return packet
        return link.action_packet(checked)

    def _policy(self, index: int, seed: int | None) -> Callable[[Any], Any]:
        """A fresh policy for episode `index`: the global RNGs seeded by its position, the module executed anew."""
        random.seed(policy_rng_seed(index))  # reproducible draws that reveal nothing about the env's seed
        np.random.seed(policy_rng_seed(index))
        if self.module is None:
            return _random_policy(self.task.action_space, seed)
        limits = self.job.limits
        self.alarm.arm(
            limits.init_timeout_s, f"loading the code and {self.job.class_name}() exceeded {limits.init_timeout_s} s"
        )
        policy_cls = self.first_class or load_class(self.module, self.job.class_name, "act", self.names)
        self.first_class = None
        act = policy_cls().act
        self.alarm.disarm()
        return act


def _fail(host: link.HostLink, failure: Failure) -> None:
    host.send(link.json_packet(link.FAILURE, asdict(failure)))


def _summaries(
    host: link.HostLink, job: EvalJob, names: dict[str, Any], trajectories: list[list[Transition]], alarm: Alarm
) -> None:
    """One Feedback line per trajectory, or the summariser's failure."""
    limits = job.limits
    try:
        alarm.arm(limits.init_timeout_s, f"loading the Feedback code exceeded {limits.init_timeout_s} s")
        feedback_cls = load_class(compile_module(job.feedback_code or ""), "Feedback", "summarize_trajectory", names)
        alarm.disarm()
        lines = []
        for trajectory in trajectories:
            alarm.arm(
                limits.feedback_timeout_s, f"Feedback.summarize_trajectory exceeded {limits.feedback_timeout_s} s"
            )
            try:
                lines.append(str(feedback_cls().summarize_trajectory(trajectory))[:MAX_FEEDBACK_CHARS])
            finally:
                alarm.disarm()
    except BaseException as error:
        alarm.disarm()
        return _fail(host, Failure("feedback_error", classify(error, "feedback").describe()))
    for line in lines:
        host.send(link.json_packet(link.SUMMARY, line))


def run(job: EvalJob, sock: socket.socket, workdir: Path) -> NoReturn:
    """Entry point of the worker process (a child of the job's host): confine, serve, send the output, exit.
    `workdir` is a private folder the pool created and removes later: the only place the code may write."""
    host = link.HostLink(sock)
    try:
        task = get_task(job.task)
        output = BoundedOutput(job.limits.output_chars)
        _redirect_stdio(output)
        os.environ.clear()
        os.environ.update(SAFE_ENVIRONMENT)
        cpu_budget = int(job.limits.init_timeout_s + len(job.seeds) * (job.limits.episode_timeout_s + 1) + 30)
        layers = confine(job.limits.memory_mb, cpu_budget, workdir)
        os.chdir(workdir)
        serve(job, task, host, layers)
        host.send(link.json_packet(link.OUTPUT, output.kept.getvalue()[:MAX_OUTPUT_CHARS]))
    except BaseException as error:  # report instead of dying silently (the host may already have stopped)
        try:
            _fail(host, Failure("crash", f"the worker failed: {type(error).__name__}: {error}"))
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
