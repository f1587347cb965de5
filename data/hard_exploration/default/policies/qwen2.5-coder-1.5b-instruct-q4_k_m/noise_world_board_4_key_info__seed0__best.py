# PromptPO best policy for noise_world_board_4_key_info (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -5096.3
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.board = np.random.randint(0, 8, size=n*n)
        self.agent_row = 0
        self.agent_col = 0
        self.goal_row = 1.0
        self.goal_col = 1.0
        self.visited_6 = False
        self.visited_6_then_7 = False

    def act(self, obs: NoiseWorldKeyInfoObservation):
        new_row = round(obs.agent_row * (self.n - 1))
        new_col = round(obs.agent_col * (self.n - 1))

        if new_row < 0 or new_row >= self.n or new_col < 0 or new_col >= self.n:
            return np.random.choice([0, 1, 2, 3])  # Move outside the board

        cell = obs.board[new_row * self.n + new_col]

        if cell == 6 and not self.visited_6:
            self.visited_6 = True
            self.visited_6_then_7 = False
            return np.random.choice([0, 1, 2, 3])  # Move to the cell labelled 6

        elif cell == 7 and self.visited_6 and not self.visited_6_then_7:
            self.visited_6_then_7 = True
            return np.random.choice([0, 1, 2, 3])  # Move to the cell labelled 7

        else:
            if not self.visited_6 or not self.visited_6_then_7:
                return np.random.choice([0, 1, 2, 3])  # Move within the board
            else:
                return np.random.choice([0, 1, 2, 3])  # Move within the board
