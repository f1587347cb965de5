# PromptPO last policy for metaworld_pick_place (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 0, held-out score 0
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.hand_pos = np.zeros(3)
        self.gripper_distance = 1.0  # fully open
        self.object_pos = np.zeros(3)  # puck at rest on table
        self.object_quat = np.array([1, 0, 0, 0])  # upright and unrotated
        self.goal_pos = np.zeros(3)
        self.left_pad = np.zeros(3)
        self.right_pad = np.zeros(3)

    def act(self, obs: PickPlaceObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Placeholder policy: always move the hand towards the goal and open the gripper
        x_diff = self.goal_pos[0] - self.hand_pos[0]
        y_diff = self.goal_pos[1] - self.hand_pos[1]
        z_diff = self.goal_pos[2] - self.hand_pos[2]

        # Define direction_x before using it
        if abs(x_diff) > abs(y_diff):
            direction_x = np.sign(x_diff)
        else:
            direction_x = np.sign(y_diff)

        # Initialize direction_y as 0 (default direction for y-axis)
        direction_y = 0

        step_size = 0.05  # increased step size to make the policy move faster

        # Open the gripper if it's not fully open and the goal is reached
        if self.gripper_distance < 0.3:
            self.gripper_distance = max(self.gripper_distance, 0.3)

        return np.array([direction_x * step_size, direction_y * step_size, 0, 1])
