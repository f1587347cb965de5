"""Episodes stepped in lockstep give exactly the result of the one-episode-at-a-time loop: the same episodes, the
same first failure in seed order, the same step count; and the watchdog leaves time for episodes that share rounds."""

from __future__ import annotations

import time

import pytest

from promptpo.benchmarks.sandbox import POLICIES
from promptpo.evaluation import evaluate_codes
from promptpo.rollout import evaluate
from promptpo.sandbox import Limits, Sandbox
from promptpo.sandbox.host import lockstep_width
from promptpo.sandbox.records import EvalJob
from promptpo.sandbox.worker import Alarm, Deadline
from promptpo.tasks import get_task

GRID = "noise_world_board_1"  # NoiseWorld builds in well under a millisecond: the zygote preloads many envs
LIMITS = Limits(init_timeout_s=1.0, act_timeout_s=0.5, episode_timeout_s=3.0, feedback_timeout_s=1.0, memory_mb=512)

# Fails once it has stood on one cell more than three times (it walks into walls): after 17 steps from seed 11,
# 4 from seed 13 (see `first_failure_steps`).
WANDERER = """
class Policy:
    def __init__(self):
        self.t = 0
        self.visits = {}
    def act(self, obs):
        self.t += 1
        cell = (obs.agent_row, obs.agent_col)
        self.visits[cell] = self.visits.get(cell, 0) + 1
        if self.visits[cell] > 3:
            raise RuntimeError(f"stood on {cell} {self.visits[cell]} times by step {self.t}")
        return 1 if self.t % 3 else 2
"""
ONE_AT_A_TIME = "\n# print\n"  # a comment that names print: the same code, evaluated one episode at a time


def failure_steps(code: str, seeds: list[int]) -> list[int | None]:
    """Per seed, run alone in this process: the act() call that raised (None if the episode ended normally)."""
    namespace: dict = {}
    exec(code, namespace)  # trusted: this file's own test policy
    steps: list[int | None] = []
    for seed in seeds:
        policy = namespace["Policy"]()
        try:
            evaluate(get_task(GRID), lambda policy=policy: policy.act, [seed])
            steps.append(None)
        except RuntimeError:
            steps.append(policy.t)
    return steps


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox([GRID], workers=1) as box:
        yield box


def test_the_lockstep_rule_runs_code_that_could_tell_one_episode_at_a_time():
    seeds = (1, 2, 3, 4)
    assert lockstep_width(EvalJob(GRID, WANDERER, "Policy", seeds), envs=16) == 4
    assert lockstep_width(EvalJob(GRID, WANDERER, "Policy", seeds), envs=2) == 2
    for word in ("import random", "np.random.rand()", "from scipy import stats", "print(obs)"):
        assert lockstep_width(EvalJob(GRID, f"{WANDERER}\n{word}\n", "Policy", seeds), envs=16) == 1
    assert lockstep_width(EvalJob(GRID, None, "Policy", seeds), envs=16) == 1  # the built-in random policy


def test_the_first_failure_in_seed_order_is_reported_with_the_steps_up_to_it(sandbox):
    seeds = [11, 13, 15, 12]
    steps = failure_steps(WANDERER, seeds)
    # The construction: episode 0 fails, but a later episode fails after fewer steps (first, in lockstep).
    assert steps[0] is not None and any(later is not None and later < steps[0] for later in steps[1:]), steps
    task = get_task(GRID)
    lockstep, alone = evaluate_codes(sandbox, task, [WANDERER, WANDERER + ONE_AT_A_TIME], seeds, limits=LIMITS)
    assert lockstep.failure is not None and lockstep.failure.kind == "act_error"
    assert f"by step {steps[0]}" in lockstep.failure.message  # episode 0's failure, not the first one to happen
    assert lockstep.env_steps == steps[0] - 1  # the steps before the failing act() call; later episodes not counted
    assert lockstep.episodes == []
    assert (lockstep.failure, lockstep.env_steps, lockstep.episodes) == (alone.failure, alone.env_steps, alone.episodes)


def test_lockstep_and_one_at_a_time_give_identical_results_for_a_well_behaved_policy(sandbox):
    code = POLICIES[GRID]  # reaches the goal in some episodes, not in others
    seeds = list(range(100, 120))
    lockstep, alone = evaluate_codes(sandbox, get_task(GRID), [code, code + ONE_AT_A_TIME], seeds, limits=LIMITS)
    assert lockstep.ok and alone.ok
    assert lockstep.episodes == alone.episodes and lockstep.env_steps == alone.env_steps
    assert len({e.steps for e in lockstep.episodes}) > 1  # episodes of different lengths overlap


def test_a_hanging_policy_costs_one_act_limit_not_one_per_episode_in_lockstep(sandbox):
    """Every episode's act() would hang; the first one's timeout ends the evaluation, so the worker does not run the
    later episodes of that round (the host drops them unread): a grader's hanging submission costs seconds."""
    hang = "class Policy:\n    def act(self, obs):\n        while True:\n            pass\n"
    seeds = list(range(16))
    (result,) = evaluate_codes(sandbox, get_task(GRID), [hang], seeds, limits=LIMITS)
    assert result.failure is not None and result.failure.kind == "timeout", result.failure
    assert result.episodes == [] and result.env_steps == 0
    assert result.wall_s < 4 * LIMITS.act_timeout_s + LIMITS.init_timeout_s  # 16 act() limits would be 8 s


def test_slow_episodes_sharing_rounds_are_not_killed_by_the_watchdog(sandbox):
    # Each episode takes ~70% of its limit, so four in lockstep take longer than one episode's limit plus the
    # watchdog's grace: the watchdog must allow for the episodes that share each round.
    seeds = [11, 12, 13, 14]
    good = WANDERER.replace("> 3", "> 10**6")
    horizon = get_task(GRID).horizon
    slow = good.replace("class Policy:", "import time\nclass Policy:").replace(
        "self.t += 1", f"self.t += 1\n        time.sleep({0.7 * LIMITS.episode_timeout_s / horizon})"
    )
    (result,) = evaluate_codes(sandbox, get_task(GRID), [slow], seeds, limits=LIMITS)
    assert result.ok, result.failure
    assert result.wall_s > LIMITS.init_timeout_s + LIMITS.episode_timeout_s + 2.0


def test_failure_messages_and_feedback_lines_carry_no_memory_address(sandbox):
    """A repr's address differs between runs; in a failure message or Feedback line it would go into the next prompt
    and break the replay of that run (a recorded 0.5B reply returned a function: `<function ... at 0x7f01...>`).
    Two evaluations in two worker processes give the same text, the address masked."""
    code = "class Policy:\n    def act(self, obs):\n        def step():\n            return 1\n        return step\n"
    feedback = "class Feedback:\n    def summarize_trajectory(self, trajectory):\n        return repr(object())\n"
    task = get_task(GRID)
    results = [evaluate_codes(sandbox, task, [code], [11], limits=LIMITS)[0] for _ in range(2)]
    failures = [result.failure for result in results]
    assert failures[0].kind == "invalid_action" and failures[0] == failures[1]
    assert "<function Policy.act.<locals>.step at 0x...>" in failures[0].message
    summaries = [
        evaluate_codes(sandbox, task, [None], [11], feedback_code=feedback, limits=LIMITS)[0] for _ in range(2)
    ]
    assert summaries[0].feedback == summaries[1].feedback == ["<object object at 0x...>"]


def _deadlines_while_handling_the_first(alarm: Alarm) -> int:
    """Arm 20 ms, wait past it, and keep waiting 100 ms inside the handler of the first `Deadline` (as the parent
    does while it records the timeout): how many `Deadline`s reached the caller."""
    caught = 0
    alarm.arm(0.02, "test")
    try:
        try:
            time.sleep(1.0)
        except Deadline:
            caught += 1
            time.sleep(0.1)  # ten ticks past the deadline
            alarm.disarm()
    except Deadline:
        caught += 1
        alarm.disarm()
    finally:
        alarm.stop()
    return caught


def test_the_parents_alarm_raises_once_while_generated_codes_alarm_keeps_raising():
    """A hang inside C code outlives every limit, and the parent stops waiting with one `Deadline`: a second one in
    its handler escaped the evaluation, and the timeout was recorded as a crash (a flaky CI failure). Generated code
    that swallows its `Deadline` must get another."""
    assert _deadlines_while_handling_the_first(Alarm(repeat=False)) == 1
    assert _deadlines_while_handling_the_first(Alarm()) == 2
