# PromptPO best policy for noise_world_board_6_key_info (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -15090.6
import numpy as np

class Policy:
    def __init__(self, n=10):
        self.n = n
        self.agent_position = (0, 0)
        self.goal_position = (n-1, n-1)
        self.visited_6 = False
        self.visited_6_then_7 = False

    def act(self, obs: NoiseWorldKeyInfoObservation):
        row, col = self.agent_position
        
        # Check if we've already visited the goal cell and reached it with 7
        if self.visited_6 and self.visited_6_then_7:
            return 0  # Stopped at the goal with 7, so don't move
        
        # Move up
        new_row = row - 1
        if new_row >= 0 and obs.board[new_row * self.n + col] == 0:  # Check if it's not a wall
            self.agent_position = (new_row, col)
        
        # Move down
        new_row = row + 1
        if new_row < self.n and obs.board[new_row * self.n + col] == 0:  # Check if it's not a wall
            self.agent_position = (new_row, col)
        
        # Move left
        new_col = col - 1
        if new_col >= 0 and obs.board[row * self.n + new_col] == 0:  # Check if it's not a wall
            self.agent_position = (row, new_col)
        
        # Move right
        new_col = col + 1
        if new_col < self.n and obs.board[row * self.n + new_col] == 0:  # Check if it's not a wall
            self.agent_position = (row, new_col)
        
        # If we've reached the goal cell with 6, mark it as visited and check for 7
        if self.visited_6 and obs.board[row * self.n + col] == 6:
            self.visited_6_then_7 = True
        
        # Return a random move (if not at the goal)
        if self.agent_position != (self.goal_position):
            return np.random.randint(0, 4)
        
        # If at the goal, return 0 (no action needed)
        return 0

    def reset(self):
        self.agent_position = (0, 0)
        self.goal_position = (9, 9)
        self.visited_6 = False
        self.visited_6_then_7 = False
