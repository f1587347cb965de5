# PromptPO last policy for noise_world_board_1 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score -100
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.agent_position = (0, 0)
        self.goal_position = (n-1, n-1)
        self.actions = []

    def act(self, obs: NoiseWorldObservation):
        board = obs.board
        row, col = self.agent_position

        # Calculate the possible actions based on the current position and the environment's rules
        if row > 0:
            self.actions.append(0)
        if row < self.n - 1:
            self.actions.append(1)
        if col > 0:
            self.actions.append(2)
        if col < self.n - 1:
            self.actions.append(3)

        # Implement a more sophisticated heuristic to evaluate the potential rewards from each action
        heuristic_values = np.zeros(len(self.actions))
        for i, action in enumerate(self.actions):
            new_row, new_col = row + (action == 0) * (-1), col + (action == 2) * (1)
            if 0 <= new_row < self.n and 0 <= new_col < self.n:
                heuristic_values[i] = board[new_row * self.n + new_col]

        # Choose the action with the highest heuristic value
        return np.argmax(heuristic_values)

    def calculate_heuristic(self, board, row, col):
        # Implement a more sophisticated heuristic function to evaluate the potential rewards from each action
        pass
