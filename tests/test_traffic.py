"""The traffic task on SUMO: control matters (the calibration), the reward shown is the reward that scores,
seeding, one simulation per process, and SUMO failures as errors of the episode."""

from __future__ import annotations

import math
import os
import signal

import numpy as np
import pytest

from promptpo.envs.traffic import SimulatorError, TrafficEnv, TrafficParams, _scenario_folder, _Simulation, merge_reward
from promptpo.references.traffic_drivers import constant_acceleration, human_driver
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.tasks import get_task
from promptpo.tasks.real_world.traffic import TrafficTask

SHORT = 150


def mean_return(task: TrafficTask, make, seeds) -> float:
    return float(np.mean([episode.episode_return for episode in evaluate(task, make, seeds)]))


def test_control_matters_on_the_calibrated_merge():
    """Same seeds: the human driver model, holding speed and braking give clearly different returns."""
    task = TrafficTask("traffic_test", horizon=300)
    seeds = heldout_seeds(3)
    human = mean_return(task, human_driver(), seeds)
    constant = mean_return(task, constant_acceleration(0.0), seeds)
    braking = mean_return(task, constant_acceleration(-1.5), seeds)
    assert abs(constant - human) > 0.2 * abs(human), (human, constant)
    assert braking > 1.5 * max(human, constant)  # a stopped ramp keeps the highway free: the reward's blind spot


def test_default_priority_junction_starves_the_ramp():
    """The calibration trap: at netconvert's priority junction no ramp vehicle ever merges, whatever the policy;
    at the zipper they do."""

    def ramp_arrivals(junction: str, accel: float) -> int:
        env = TrafficEnv(TrafficParams(horizon=SHORT, junction=junction))
        env.reset(seed=heldout_seeds(1)[0])
        for _ in range(SHORT):
            *_, info = env.step(np.full(10, accel))
        env.close()
        return info["ramp_arrivals"]

    assert ramp_arrivals("priority", 0.0) == ramp_arrivals("priority", 1.5) == 0
    assert ramp_arrivals("zipper", 0.0) > 0


def test_reward_shown_to_the_llm_is_the_reward_that_scores():
    """Lockstep with a bare libsumo simulation of the same scenario and SUMO seed in this process: every step's
    reward equals the shown `merge_reward` computed here from the simulator's own state."""
    task = get_task("traffic_merge")
    assert task.reward_function is merge_reward
    assert task.reward_source().startswith("def merge_reward(")
    env = task.make_env()
    seed = heldout_seeds(1)[0]
    sumo_seed = int(np.random.default_rng(seed).integers(0, 2**31 - 1))  # what env.reset(seed=seed) draws
    bare = _Simulation(task.params, *_scenario_folder(task.params))
    sumo = bare.sumo
    obs, info = env.reset(seed=seed)
    bare.reset(sumo_seed)
    rng = np.random.default_rng(1)
    active_seen = 0
    try:
        for _ in range(200):
            action = rng.uniform(-1.5, 1.5, 10)
            held = list(bare.slots)
            obs, reward, terminated, truncated, info = env.step(action)
            state = bare.step(action.tolist())
            np.testing.assert_array_equal(obs, state["obs"])
            everyone = [sumo.vehicle.getSpeed(v) for v in sumo.vehicle.getIDList()]
            controlled = [v for v in bare.slots if v is not None]
            gaps = []
            for vehicle in controlled:
                leader = sumo.vehicle.getLeader(vehicle, 1000.0)
                gaps.append(leader[1] if leader and leader[0] else math.inf)
            commanded = [a for a, vehicle in zip(action, held) if vehicle is not None]
            speeds = [sumo.vehicle.getSpeed(v) for v in controlled]
            assert reward == pytest.approx(merge_reward(everyone, commanded, speeds, gaps, False), rel=1e-12)
            active_seen = max(active_seen, len(controlled))
            assert not terminated
    finally:
        bare.close()
        env.close()
    assert active_seen >= 1


def test_observation_fields_are_the_raw_vector_by_name():
    task = get_task("traffic_merge")
    env = task.make_env()
    obs, info = env.reset(seed=heldout_seeds(1)[0])
    for _ in range(80):
        obs, _, _, _, info = env.step(np.zeros(10))
    env.close()
    seen = task.observe(obs, info)
    active = np.flatnonzero(seen.active)
    assert len(active) >= 1 and seen.network_length == pytest.approx(325, abs=30)
    for i in range(10):
        block = obs[5 * i : 5 * i + 5]
        if not seen.active[i]:
            assert np.all(block == 0)
            continue
        assert seen.speed[i] == pytest.approx(block[0] * 30)
        assert seen.leader_speed[i] - seen.speed[i] == pytest.approx(block[1] * 30)
        assert seen.leader_gap[i] == pytest.approx(block[2] * seen.network_length)
        assert seen.speed[i] - seen.follower_speed[i] == pytest.approx(block[3] * 30)
        assert seen.follower_gap[i] == pytest.approx(block[4] * seen.network_length)
        assert 0 < seen.leader_gap[i] <= seen.network_length
    with pytest.raises(ValueError):
        seen.speed[0] = 1.0


def test_same_seed_same_trajectory_in_separate_processes_and_simulations_in_parallel():
    """Each env owns its own simulation process: two envs stepped alternately in one process behave exactly as
    when run alone (libsumo alone would silently restart the first simulation)."""

    def run(env: TrafficEnv, seed: int, steps: int = 60) -> list:
        obs, _ = env.reset(seed=seed)
        out = [obs.tolist()]
        for _ in range(steps):
            obs, reward, *_ = env.step(np.full(10, 0.5))
            out.append((obs.tolist(), reward))
        return out

    params = TrafficParams(horizon=SHORT)
    alone_a, alone_b = run(TrafficEnv(params), 1), run(TrafficEnv(params), 2)
    assert alone_a == run(TrafficEnv(params), 1) and alone_a != alone_b
    first, second = TrafficEnv(params), TrafficEnv(params)
    first.reset(seed=1)
    second.reset(seed=2)
    interleaved_a, interleaved_b = [], []
    for _ in range(60):
        interleaved_a.append(first.step(np.full(10, 0.5))[:2])
        interleaved_b.append(second.step(np.full(10, 0.5))[:2])
    assert [(o.tolist(), r) for o, r in interleaved_a] == alone_a[1:]
    assert [(o.tolist(), r) for o, r in interleaved_b] == alone_b[1:]
    first.close(), second.close()


def test_a_dead_simulation_is_an_error_of_the_episode_and_reset_recovers():
    env = TrafficEnv(TrafficParams(horizon=SHORT))
    env.reset(seed=0)
    env.step(np.zeros(10))
    os.kill(env._simulation.process.pid, signal.SIGKILL)
    with pytest.raises(SimulatorError, match="died"):
        env.step(np.zeros(10))
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(10))
    obs, _ = env.reset(seed=0)
    assert obs.shape == (50,)
    with pytest.raises(AssertionError):
        env.step(np.zeros(9))
    env.close()


def test_horizons():
    assert get_task("traffic_merge").horizon == 500
    assert "300" in TrafficEnv.__doc__ and "500" in TrafficEnv.__doc__
