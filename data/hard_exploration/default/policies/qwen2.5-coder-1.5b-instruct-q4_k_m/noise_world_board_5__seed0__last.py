# PromptPO last policy for noise_world_board_5 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score -100
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.goal_row = n - 1
        self.goal_col = n - 1
        self.current_pos = (0, 0)
        self.action_space = np.array([0, 1, 2, 3])

    def act(self, obs: NoiseWorldObservationWithScalars):
        # Normalize the agent's position to be between 0 and 1
        normalized_row = obs.agent_row / (self.n - 1)
        normalized_col = obs.agent_col / (self.n - 1)

        # Determine if the agent is at the goal or terminal failure cell
        if np.array_equal((normalized_row, normalized_col), self.current_pos + np.array([-1, 0])):
            return np.array([0])
        elif np.array_equal((normalized_row, normalized_col), self.current_pos + np.array([1, 0])):
            return np.array([1])
        elif np.array_equal((normalized_row, normalized_col), self.current_pos + np.array([0, -1])):
            return np.array([2])
        else:
            # If the agent is not at the goal or terminal failure cell, choose an action randomly
            return np.random.choice(self.action_space)
