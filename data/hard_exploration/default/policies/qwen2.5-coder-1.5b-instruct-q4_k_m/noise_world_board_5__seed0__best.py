# PromptPO best policy for noise_world_board_5 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -100
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
        if normalized_row == self.goal_row and normalized_col == self.goal_col:
            return np.array([4])
        elif normalized_row < 0 or normalized_col < 0 or normalized_row >= self.n or normalized_col >= self.n:
            return np.array([5])

        # Otherwise, choose an action randomly
        return np.random.choice(self.action_space)
