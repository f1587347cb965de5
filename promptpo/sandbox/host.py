"""The trusted side of one evaluation: steps the environment and scores every step, while the generated code runs
in a confined child process that only ever sees observations and returns actions.

Nothing the generated code does can change the recorded score: the environment, its random state, the reward and
the step count live in this process, which runs no generated code; the worker's packets are checked exactly
(`link.py`) and anything unexpected is a failure of that candidate. The episode loop is `rollout.run_episode`, the
same as for every method; only the policy is remote.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym

from promptpo.rollout import run_episode
from promptpo.sandbox import channel, link, worker
from promptpo.sandbox.os_limits import die_with_parent
from promptpo.sandbox.records import EvalJob, EvalResult, Failure, Limits
from promptpo.sandbox.reports import MAX_FEEDBACK_CHARS, MAX_OUTPUT_CHARS, MalformedReport, failure_from, layers_from
from promptpo.sandbox.worker import Deadline, classify
from promptpo.tasks import Task, get_task

# Finished episodes are reported to the pool (progress, and what a killed job had done) at most this often, and
# always after the last one: a report per episode cost more than a NoiseWorld episode's bookkeeping.
REPORT_EVERY_S = 0.05


class WorkerFailed(Exception):
    """The worker reported a failure of the generated code (or broke the link) instead of an action."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


class Outcomes(gym.Wrapper):
    """Keeps the last `info` and step outcome, which the worker needs to build the observation object and the
    Feedback trajectory; rewards and flags pass through unchanged."""

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, self.info = self.env.reset(**kwargs)
        return obs, self.info

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, self.info = self.env.step(action)
        self.outcome = (float(reward), bool(self.info.get("success", False)), bool(terminated), bool(truncated))
        return obs, reward, terminated, truncated, self.info


class RemotePolicy:
    """`act` for `run_episode`: sends the raw observation to the worker, returns the action it sends back."""

    def __init__(self, worker: link.WorkerLink, env: Outcomes, task: Task):
        self.worker, self.env, self.task, self.space = worker, env, task, env.action_space
        self.first = True

    def start(self, index: int, seed: int | None) -> None:
        """A new episode (`seed` only for the built-in random policy, which needs it; generated code never)."""
        self.first, self.index, self.seed = True, index, seed

    def __call__(self, obs: Any) -> Any:
        try:
            info = self.task.policy_info(self.env.info)  # the worker gets only what `observe` reads
            if self.first:
                self.worker.send("start", self.index, obs, info, self.seed)
                self.first = False
            else:
                self.worker.send("step", self.env.outcome, obs, info)
        except link.BrokenLink as error:
            raise WorkerFailed(Failure("crash", str(error))) from None
        tag, payload = receive(self.worker)
        try:
            if tag == link.ACTION:
                return link.decode_action(payload, self.space)
            if tag == link.FAILURE:
                raise WorkerFailed(failure_from(link.decode_json(payload)))
        except (link.BrokenLink, MalformedReport):
            pass
        raise WorkerFailed(malformed())


def receive(worker: link.WorkerLink) -> tuple[bytes, bytes]:
    """The worker's next packet; a broken link (the worker died or sent garbage) becomes a `crash` failure."""
    try:
        return worker.receive()
    except link.BrokenLink as error:
        raise WorkerFailed(Failure("crash", str(error))) from None


def evaluate(
    job: EvalJob, task: Task, env: gym.Env, worker: link.WorkerLink, report: Callable[[dict[str, Any]], None]
) -> tuple[EvalResult, dict[str, bool | int]]:
    """Run the job's episodes with the policy at the other end of `worker`; every failure becomes a record.
    Returns the result and the OS layers the worker reported as active."""
    limits, result, layers = job.limits, EvalResult(), {}
    try:
        tag, payload = receive(worker)  # the worker loads the code first: ready, or why it cannot run
        if tag != link.READY:
            raise WorkerFailed(failure_from(link.decode_json(payload)) if tag == link.FAILURE else malformed())
        layers = layers_from(link.decode_json(payload))
        report({"type": "ready"})
        _episodes(job, task, env, worker, limits, result, report)
        if job.feedback_code is not None:
            worker.send("feedback")
            result.feedback, result.feedback_failure = _summaries(worker, len(result.episodes))
    except WorkerFailed as failed:
        result.failure = failed.failure
    except MalformedReport as error:
        result.failure = Failure("crash", f"the worker sent a malformed message: {error}")
    except link.BrokenLink as error:  # "the worker exited ..." or "... malformed message ..."
        result.failure = Failure("crash", str(error))
    result.output = _output(worker)
    return result, layers


def _episodes(
    job: EvalJob,
    task: Task,
    env: gym.Env,
    worker: link.WorkerLink,
    limits: Limits,
    result: EvalResult,
    report: Callable[[dict[str, Any]], None],
) -> None:
    """Roll out every seed; the first failure (the code's, the environment's or a deadline) ends the job."""
    observed = Outcomes(env)
    policy = RemotePolicy(worker, observed, task)
    unreported: list[dict[str, Any]] = []
    last_report = time.monotonic()
    for index, seed in enumerate(job.seeds):
        deadline = time.monotonic() + limits.episode_timeout_s

        def on_step(deadline: float = deadline) -> None:
            result.env_steps += 1
            if time.monotonic() > deadline:
                raise Deadline(f"the episode exceeded {limits.episode_timeout_s} s")

        policy.start(index, seed if job.code is None else None)
        try:
            episode = run_episode(task, observed, policy, seed, raw_observations=True, on_step=on_step)
        except WorkerFailed:
            raise
        except BaseException as error:  # the simulator raised on the policy's action, or the episode ran too long
            raise WorkerFailed(classify(error, "env")) from None
        worker.send("end", observed.outcome)
        result.episodes.append(episode)
        unreported.append(vars(episode))
        if len(result.episodes) == len(job.seeds) or time.monotonic() - last_report >= REPORT_EVERY_S:
            report({"type": "episodes", "episodes": unreported, "env_steps": result.env_steps})
            unreported, last_report = [], time.monotonic()


def _summaries(worker: link.WorkerLink, episodes: int) -> tuple[list[str], Failure | None]:
    """The Feedback summariser's lines (one per episode), or its failure."""
    lines: list[str] = []
    while len(lines) < episodes:
        tag, payload = receive(worker)
        value = link.decode_json(payload)
        if tag == link.FAILURE:
            return [], failure_from(value)
        if tag != link.SUMMARY or not isinstance(value, str):
            raise WorkerFailed(malformed())
        lines.append(value[:MAX_FEEDBACK_CHARS])
    return lines, None


def _output(worker: link.WorkerLink) -> str:
    """Ask the worker to stop and return what the code printed ("" if the worker is gone or sends garbage)."""
    try:
        worker.send("close")
        tag, payload = worker.receive()
        value = link.decode_json(payload) if tag == link.OUTPUT else ""
        return value[:MAX_OUTPUT_CHARS] if isinstance(value, str) else ""
    except (link.BrokenLink, OSError):
        return ""


def malformed() -> Failure:
    return Failure("crash", "the worker sent a malformed message")


def run_job(message: dict[str, Any], pool: socket.socket, envs: dict[str, gym.Env]) -> NoReturn:
    """Entry point of a freshly forked job process: start the confined worker, evaluate, report to the pool, exit.

    `message` holds the job (as a dict) and `workdir`, the worker's private folder (the parent removes it).
    """
    started = time.monotonic()
    spec = message["job"]
    job = EvalJob(**{**spec, "seeds": tuple(spec["seeds"]), "limits": Limits(**spec["limits"])})
    os.sched_setaffinity(0, {message["cpu"]})  # the worker inherits it: the two take turns on one CPU
    ours, theirs = link.pair()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            pool.close()
            die_with_parent()
            worker.run(job, theirs, Path(message["workdir"]))
        finally:
            os._exit(70)
    theirs.close()
    try:
        task = get_task(job.task)
        env = envs[job.task] if job.task in envs else task.make_env()
        result, layers = evaluate(job, task, env, link.WorkerLink(ours), lambda update: channel.send(pool, update))
    except BaseException as error:  # report instead of dying silently
        failure = Failure("crash", f"the evaluation failed: {type(error).__name__}: {error}")
        result, layers = EvalResult(failure=failure), {}
    os.kill(pid, signal.SIGKILL)  # it has sent its output (or never will)
    os.waitpid(pid, 0)
    result.wall_s = time.monotonic() - started
    result.cpu_s = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime for who in _BOTH)
    try:
        channel.send(pool, {"type": "result", "result": result.to_dict(), "layers": layers})
    finally:
        os._exit(0)


_BOTH = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)  # this job process and its (reaped) worker
