# PromptPO best policy for noise_world_board_0 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 3, selection score -648.2, held-out score -803.8
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldObservation):
        """
        Return the action for observation `obs` (read-only: copy before modifying).
        
        Each step costs a small fixed penalty. Reaching the goal cell gives a large bonus.
        Reaching a terminal failure cell (a catastrophic failure) gives a large penalty. The reward function itself is not shown.
        """

        # Get agent and goal positions
        agent_row, agent_col = obs.agent_row, obs.agent_col
        goal_row, goal_col = obs.goal_row, obs.goal_col

        # Check if the agent has reached the goal cell or terminal failure cell
        if np.linalg.norm(np.array([agent_row - goal_row, agent_col - goal_col])) < 0.1:
            return 3  # Goal cell found, bonus is large
        elif np.linalg.norm(np.array([agent_row - goal_row, agent_col - goal_col])) == 0.1:
            return 2  # Terminal failure cell found, penalty is large

        # Calculate the expected total reward of a single step
        # Each step costs a small fixed penalty, and we need to find the best action
        # We can use dynamic programming to find the best action for each step
        # The state will be a tuple (agent_row, agent_col, goal_row, goal_col)
        # The action will be a Python int from 0 to 3
        # The reward function is not shown

        return np.random.choice([0, 1, 2, 3])
