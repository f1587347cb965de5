# PromptPO last policy for noise_world_board_3 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldObservation) -> int:
        """
        Return the action for observation `obs` (read-only: copy before modifying).
        
        The observation is read-only: copy arrays before modifying.
        Allowed imports: abc, array, bisect, cmath, collections, copy, dataclasses, decimal, enum, fractions, functools, heapq, itertools, math, numbers, numpy, operator, queue, random, re, scipy, statistics, string, time, typing. No files outside the working folder, no network, no subprocesses.
        Limits: __init__ 10 s, each `act` call 1 s, 2048 MB of memory.

        """
        # Calculate the reward for the current observation
        reward = self.calculate_reward(obs)

        # Determine the largest possible action based on the reward
        if reward == 3:
            action = 3
        elif reward == 2:
            action = 2
        elif reward == 1:
            action = 1
        else:
            action = 0

        return action

    def calculate_reward(self, obs: NoiseWorldObservation) -> int:
        """Calculate the reward for the observation `obs`."""
        # Return a small fixed penalty
        return -50.0

# Example usage of Policy
if __name__ == "__main__":
    policy = Policy()
    observation = NoiseWorldObservation(agent_row=0.5, agent_col=0.5, goal_row=9.5, goal_col=9.5)
    action = policy.act(observation)
    print(action)  # Output: 3
