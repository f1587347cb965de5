"""The RL algorithms the baselines train and the action spaces each can act in (no torch import: the grid reads it)."""

from __future__ import annotations

from typing import Literal

import gymnasium as gym

Algo = Literal["ppo", "dqn", "sac"]

# Which action spaces each algorithm can act in (DQN: a Q-value per discrete action; SAC: a squashed Gaussian).
SUPPORTED_ACTION_SPACES: dict[str, tuple[type[gym.Space], ...]] = {
    "ppo": (gym.spaces.Discrete, gym.spaces.Box),
    "dqn": (gym.spaces.Discrete,),
    "sac": (gym.spaces.Box,),
}
