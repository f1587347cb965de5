"""The glucose task on simglucose's core simulator: the reward shown is the reward that scores, termination,
seeding, the observation's layout, the clinical metrics of every episode, and references that rank as expected."""

from __future__ import annotations

import math

import numpy as np
import pytest

from promptpo.envs.glucose import (
    GlucoseEnv,
    GlucoseParams,
    glucose_failed,
    glucose_metrics,
    glucose_reward,
    magni_risk,
)
from promptpo.references import zero_action_policy
from promptpo.rollout import evaluate, heldout_seeds
from promptpo.tasks import get_task
from promptpo.tasks.real_world.glucose import PAPER_HORIZON, GlucoseTask


def test_magni_risk_and_reward_values():
    assert magni_risk(math.exp(3.7932 / 0.8353)) == pytest.approx(0.0, abs=1e-9)  # its zero, about 93.8 mg/dL
    assert [round(magni_risk(bg), 2) for bg in (70, 140, 180, 600)] == [7.53, 14.11, 37.37, 302.94]
    assert magni_risk(0.0) == magni_risk(1.0)  # bg floored at 1
    assert glucose_reward(140.0) == -magni_risk(140.0)
    assert glucose_reward(9.99) == glucose_reward(1000.01) == -100000.0
    assert glucose_reward(10.0) == -magni_risk(10.0) and glucose_reward(1000.0) == -magni_risk(1000.0)
    assert [glucose_failed(bg) for bg in (9.99, 10.0, 1000.0, 1000.01)] == [True, False, False, True]


def test_reward_shown_to_the_llm_is_the_reward_that_scores():
    """Every step's reward is the shown `glucose_reward` of the true glucose that simglucose reports."""
    task = GlucoseTask("glucose_test", horizon=48)
    assert task.reward_function is glucose_reward and get_task("glucose").reward_function is glucose_reward
    assert task.reward_source().startswith("def glucose_reward(bg: float) -> float:")
    env = task.make_env()
    obs, info = env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(48):
        obs, reward, terminated, truncated, info = env.step(rng.uniform(0, 0.05, 1))
        assert reward == glucose_reward(info["bg"]) == -magni_risk(info["bg"])
        assert info["bg"] == env._sim.BG_hist[-1]  # simglucose's own record of the step's glucose
    assert truncated and not terminated


def test_too_much_insulin_ends_the_episode_with_the_penalty():
    env = GlucoseEnv(GlucoseParams(horizon=400))
    env.reset(seed=0)
    for step in range(1, 401):  # noqa: B007 (read after the loop)
        _, reward, terminated, truncated, info = env.step(np.array([0.1], dtype=np.float32))  # float32 accepted
        if terminated or truncated:
            break
    assert terminated and not truncated and info["bg"] < 10 and reward == -100000.0
    assert 60 < step < 400  # hours of maximal insulin, not an instant failure
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.array([0.0]))


def test_simulator_setup_is_the_benchmarks():
    env = GlucoseEnv()
    obs, info = env.reset(seed=0)
    sim = env._sim
    assert sim.patient.name == "adult#001" and sim.sensor.name == "GuardianRT" and sim.sample_time == 5
    assert sim.pump._params["Name"] == "Insulet"
    assert (
        env.action_space.shape == (1,) and env.action_space.low[0] == 0 and env.action_space.high[0] == np.float32(0.1)
    )
    assert get_task("glucose").horizon == 576 and get_task("glucose_20_days").horizon == PAPER_HORIZON == 5760
    _, _, _, _, info = env.step(np.array([0.02]))
    assert info["minutes"] == 5


def test_observation_holds_four_hours_of_cgm_and_insulin():
    task = GlucoseTask("glucose_test", horizon=60)
    env = task.make_env()
    obs, info = env.reset(seed=1)
    first = task.observe(obs, info)
    assert first.cgm.shape == first.insulin.shape == (48,)
    assert np.all(first.cgm[:-1] == -1) and first.cgm[-1] == pytest.approx(info["cgm"]) and np.all(first.insulin == -1)
    rates = np.linspace(0.0, 0.05, 50)
    for rate in rates:
        obs, _, _, _, info = env.step(np.array([rate]))
    seen = task.observe(obs, info)
    np.testing.assert_allclose(seen.insulin, rates[-48:], atol=1e-5)  # the pump rounds to 0.05 pmol/min
    assert seen.insulin[-1] == pytest.approx(info["insulin"]) and seen.cgm[-1] == pytest.approx(info["cgm"])
    assert np.all(seen.cgm >= 39) and abs(seen.cgm[-1] - info["bg"]) < 5  # noiseless CGM follows the true glucose
    with pytest.raises(ValueError):
        seen.cgm[0] = 0.0
    assert "meal" not in task.observation_source().split('"""')[2]  # policies do not see meals
    assert task.reference_observe(obs, info).meal == info["meal"]


def test_same_seed_same_episode_other_seeds_other_meals():
    def trace(seed: int, noise: bool = False) -> list[tuple[float, float, float]]:
        env = GlucoseEnv(GlucoseParams(horizon=40, cgm_noise=noise))
        env.reset(seed=seed)
        return [
            (info["bg"], info["cgm"], reward)
            for _, reward, _, _, info in (env.step(np.array([0.02])) for _ in range(40))
        ]

    assert trace(5) == trace(5) and trace(5) != trace(6)
    noisy = trace(5, noise=True)
    assert noisy == trace(5, noise=True)
    assert [bg for bg, _, _ in noisy] == [bg for bg, _, _ in trace(5)]  # the noise is the sensor's only
    assert max(abs(bg - cgm) for bg, cgm, _ in noisy) > 1.0


def test_metrics_agree_with_simglucose():
    from simglucose.analysis.risk import risk_index

    trace = [50.0, 70.0, 120.0, 180.0, 250.0]
    metrics = glucose_metrics(trace)
    assert metrics["time_in_range"] == 0.6 and metrics["hypo"] == 0.2 and metrics["hyper"] == 0.2
    assert metrics["risk_index"] == pytest.approx(np.mean([risk_index([bg], 1)[2] for bg in trace]))
    assert glucose_metrics([112.5])["risk_index"] < 0.01 < metrics["risk_index"]


def test_every_episode_carries_the_metrics_of_its_true_glucose_trace():
    """The metrics stored with an episode are `glucose_metrics` of the true BG after each step (not the CGM); tasks
    without metrics store none."""
    task = GlucoseTask("glucose_test", horizon=24)
    [episode] = evaluate(task, lambda: lambda obs: np.array([0.05]), heldout_seeds(1))
    env = task.make_env()
    env.reset(seed=heldout_seeds(1)[0])
    trace = [env.step(np.array([0.05]))[4]["bg"] for _ in range(24)]
    assert episode.steps == 24 and episode.metrics == glucose_metrics(trace)
    assert episode.metrics["hypo"] + episode.metrics["hyper"] + episode.metrics["time_in_range"] == pytest.approx(1)
    [other] = evaluate(get_task("pandemic"), lambda: lambda obs: 0, heldout_seeds(1))
    assert other.metrics == {}


def test_references_rank_as_expected():
    """12 hours from midnight (breakfast included): basal-bolus and the PD controller > steady basal > zero
    insulin, basal-bolus losing less than a third of what zero insulin loses. (Which of the two controllers wins
    depends on the day's meals.)"""
    task = GlucoseTask("glucose_test", horizon=144)
    seeds = heldout_seeds(1)
    references = [("zero insulin", zero_action_policy(task)), *task.references()]
    episodes = {name: evaluate(task, make, seeds, observe=task.reference_observe)[0] for name, make in references}
    scores = {name: episode.episode_return for name, episode in episodes.items()}
    assert min(scores["basal-bolus"], scores["PD controller"]) > scores["steady basal"] > scores["zero insulin"]
    assert scores["basal-bolus"] > scores["zero insulin"] / 3  # far better (returns are negative)
    metrics = {name: episode.metrics for name, episode in episodes.items()}
    # The clinical metrics agree: without insulin glucose climbs out of range and stays there.
    assert metrics["zero insulin"]["hyper"] > 0.5 > metrics["basal-bolus"]["hyper"]
    assert metrics["basal-bolus"]["time_in_range"] > metrics["zero insulin"]["time_in_range"]
    assert metrics["basal-bolus"]["risk_index"] < metrics["zero insulin"]["risk_index"]
