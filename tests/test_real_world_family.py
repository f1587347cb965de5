"""The real-world family end to end: sandboxed policies score exactly as trusted rollouts, policies cannot reach the
simulators, and a simulator that dies during an evaluation is a recorded failure of that candidate or job only."""

from __future__ import annotations

import copy
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from promptpo.evaluation import evaluate_codes, screen
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.runner import GridError, Job, ResultStore, run_grid
from promptpo.sandbox import Limits, Sandbox
from promptpo.tasks import get_task, task_names

PANDEMIC_POLICY = """\
import numpy as np


class Policy:
    def act(self, obs):
        if obs.critical_above_threshold or obs.tested_infected > 0.02:
            return 2
        return 0 if obs.tested_infected < 0.005 else 1
"""

TRAFFIC_POLICY = """\
import numpy as np


class Policy:
    def act(self, obs):
        gap_ok = obs.leader_gap > 2.0 * obs.speed + 5.0
        return np.where(obs.active & gap_ok, 0.8, np.where(obs.active, -1.0, 0.0))
"""

SLOW_TRAFFIC_POLICY = """\
import time

import numpy as np


class Policy:
    def act(self, obs):
        time.sleep(0.02)
        return np.zeros(10)
"""


def test_the_family_registers_its_tasks():
    assert task_names("real_world") == ["glucose", "glucose_20_days", "traffic_merge", "pandemic"]


@pytest.mark.parametrize(
    "name,code", [("pandemic", PANDEMIC_POLICY), ("traffic_merge", TRAFFIC_POLICY)], ids=["pandemic", "traffic"]
)
def test_sandboxed_policy_scores_exactly_as_a_trusted_rollout(name, code):
    task, seeds = get_task(name), heldout_seeds(2)
    runnable, failure = screen(f"```python\n{code}```", "Policy", "act")
    assert failure is None
    with Sandbox([name], workers=2) as sandbox:
        (result,) = evaluate_codes(sandbox, task, [runnable], seeds)
    assert result.failure is None, result.failure.describe()
    namespace: dict = {}
    exec(compile(code, "<policy>", "exec"), namespace)
    trusted = evaluate(task, lambda: namespace["Policy"]().act, seeds)
    assert [e.episode_return for e in result.episodes] == [e.episode_return for e in trusted]
    assert [e.steps for e in result.episodes] == [e.steps for e in trusted]


@pytest.mark.parametrize("module", ["libsumo", "traci", "simglucose.simulation.env", "promptpo.envs.pandemic"])
def test_policies_cannot_import_a_simulator(module):
    code = f"import {module}\n\n\nclass Policy:\n    def act(self, obs):\n        return 1\n"
    _, failure = screen(f"```python\n{code}```", "Policy", "act")
    assert failure is not None and failure.kind == "forbidden_import"


def sumo_processes_under(ancestor: int) -> list[int]:
    """Descendants of `ancestor` that have libsumo loaded: the simulation processes of traffic envs."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found = []
    for pid in parents:
        chain, current = set(), pid
        while current in parents and current not in chain and current != ancestor:
            chain.add(current)
            current = parents[current]
        if current == ancestor and pid != ancestor:
            try:
                if "libsumo" in (Path("/proc") / str(pid) / "maps").read_text():
                    found.append(pid)
            except OSError:
                continue
    return found


def kill_first_simulation(ancestor: int, timeout_s: float = 120.0) -> threading.Thread:
    """A thread that SIGKILLs the first SUMO simulation process that appears under `ancestor`."""

    def watch() -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if victims := sumo_processes_under(ancestor):
                os.kill(victims[0], signal.SIGKILL)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_simulator_that_dies_fails_only_its_candidate():
    """SUMO's process is killed during one candidate's evaluation: that candidate is a recorded failure saying so,
    and the next candidate, evaluated after it in the same sandbox, runs normally."""
    task = get_task("traffic_merge")
    slow, _ = screen(f"```python\n{SLOW_TRAFFIC_POLICY}```", "Policy", "act")
    good, _ = screen(f"```python\n{TRAFFIC_POLICY}```", "Policy", "act")
    with Sandbox(["traffic_merge"], workers=1) as sandbox:
        killer = kill_first_simulation(sandbox._zygote.pid)
        dead, alive = evaluate_codes(sandbox, task, [slow, good], heldout_seeds(1))
        killer.join()
    assert dead.failure is not None and dead.failure.kind == "act_error"
    assert "SimulatorError" in dead.failure.message and "SUMO process died" in dead.failure.message
    assert alive.failure is None and len(alive.episodes) == 1 and alive.episodes[0].steps == 500


def test_a_simulator_that_dies_fails_only_its_job(tmp_path):
    """In a grid, the traffic reference job whose simulation is killed is reported; the pandemic job's results are
    stored, and a rerun retries only the failed job."""
    traffic = Job("traffic_merge", "reference", 0, {"episodes": 20})
    pandemic = Job("pandemic", "reference", 0, {"episodes": 2})
    killer = kill_first_simulation(os.getpid())
    with pytest.raises(GridError, match=r"(?s)1 of 2 jobs failed.*reference on traffic_merge.*SUMO process died"):
        run_grid([traffic, pandemic], tmp_path, workers=2, progress=False)
    killer.join()
    assert ResultStore(tmp_path).done() == {pandemic.key}


@pytest.mark.slow
def test_sandboxed_glucose_policy_scores_exactly_as_a_trusted_rollout():
    code = "import numpy as np\n\n\nclass Policy:\n    def act(self, obs):\n        return np.array([0.02])\n"
    task, seeds = get_task("glucose"), heldout_seeds(1)
    runnable, _ = screen(f"```python\n{code}```", "Policy", "act")
    # The scoring is under test, not the time limit: a 576-step episode takes 17-36 s on an idle machine and more
    # on a busy one (the profiles allow glucose 900 s an episode too).
    with Sandbox(["glucose"], workers=1) as sandbox:
        (result,) = evaluate_codes(sandbox, task, [runnable], seeds, limits=Limits(episode_timeout_s=900))
    assert result.failure is None, result.failure.describe()
    trusted = evaluate(task, lambda: lambda obs: np.array([0.02]), seeds)
    assert result.episodes[0].episode_return == trusted[0].episode_return
    # The secondary metrics come back from the sandbox as the trusted rollout computes them.
    assert result.episodes[0].metrics == trusted[0].metrics
    assert set(trusted[0].metrics) == {"time_in_range", "hypo", "hyper", "risk_index"}


@pytest.mark.parametrize("name", ["glucose", "traffic_merge", "pandemic"])
def test_the_sandbox_worker_gets_only_the_info_observe_reads(name):
    """The process running generated code receives `policy_info(info)`: enough to build the observation, none of
    the hidden state (true glucose, meals, true case counts, vehicle counts)."""
    task = get_task(name)
    env = task.make_env()
    obs, info = env.reset(seed=heldout_seeds(1)[0])
    space = copy.deepcopy(task.action_space)
    space.seed(0)
    for _ in range(3):
        obs, _, _, _, info = env.step(space.sample())
    env.close()
    shown = task.policy_info(info)
    assert set(shown) <= {"active", "network_length"}
    full, filtered = task.observe(obs, info), task.observe(obs, shown)
    assert repr(full) == repr(filtered)
