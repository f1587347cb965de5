# PromptPO last policy for noise_world_board_2 (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 965.6, held-out score 961.2
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

        # Calculate the action based on the current position and the goal, with a bias towards moving towards the goal
        if goal_row > agent_row:
            return 1
        elif goal_row < agent_row:
            return 0
        elif goal_col > agent_col:
            return 3
        else:
            return 2

    def _find_best_action(self):
        # Calculate the expected reward for each action
        rewards = []
        for action in range(4):
            r, c = self.agent_pos
            next_r, next_c = r, c

            if action == 0:  # move up
                next_r -= 1
                if next_r < 0:
                    next_r += 1
            elif action == 1:  # move down
                next_r += 1
                if next_r >= self.n:
                    next_r -= 1
            elif action == 2:  # move left
                next_c -= 1
                if next_c < 0:
                    next_c += 1
            elif action == 3:  # move right
                next_c += 1
                if next_c >= self.n:
                    next_c -= 1

            if (next_r, next_c) in self.board and self.board[next_r][next_c] != 0:
                reward = -100  # penalty for moving into an obstacle or hazard
            else:
                reward = 1  # bonus for reaching the goal

            rewards.append(reward)

        # Return the action with the highest expected reward
        return np.argmax(rewards)
