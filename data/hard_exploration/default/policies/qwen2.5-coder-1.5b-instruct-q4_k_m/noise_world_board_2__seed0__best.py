# PromptPO best policy for noise_world_board_2 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score 968.2, held-out score 961.2
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.goal_row = 1.0 - 1e-4
        self.goal_col = 1.0 - 1e-4
        self.agent_pos = (0, 0)
        self.board = np.zeros((n*n), dtype=float)
        # Set the board to some predefined layout (e.g., a simple grid with no obstacles or hazards)
        self.set_board(np.array([0, 1, 2, 3, 4, 5] * n))

    def set_board(self, board):
        self.board = board

    def act(self, obs: NoiseWorldObservation) -> int:
        # Normalize the observation
        agent_row = obs.agent_row * (self.n - 1)
        agent_col = obs.agent_col * (self.n - 1)
        goal_row = obs.goal_row * (self.n - 1)
        goal_col = obs.goal_col * (self.n - 1)

        # Convert the normalized observation to a 2D array index
        r, c = int(agent_row), int(agent_col)
        
        # Check if the agent is already at the goal
        if (r, c) == (self.goal_row, self.goal_col):
            return 0

        # Calculate the action based on the current position and the goal
        if goal_row > agent_row:
            return 1
        elif goal_row < agent_row:
            return 0
        elif goal_col > agent_col:
            return 3
        else:
            return 2
