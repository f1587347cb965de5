# PromptPO last policy for metaworld_button_press (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 0, held-out score 0
import numpy as np

class Policy:
    def __init__(self, init_state=None):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.hand_pos = np.zeros(3)
        if init_state is not None:
            self.hand_pos = init_state.copy()
        self.gripper_distance = 1.0
        self.prev_hand_pos = np.zeros(3)  # Initialize prev_hand_pos
        self.prev_gripper_distance = -1.0  # Initialize prev_gripper_distance to a value outside the range [0, 1]

    def act(self, obs: ButtonPressObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # The hand moves in steps of 0.01 m along x and y
        move_x = min(1, max(-1, (obs.object_pos[0] + 0.193) / 0.5))
        move_y = min(1, max(-1, (obs.object_pos[1] - obs.goal_pos[1]) / 0.6))
        self.hand_pos += np.array([move_x * 0.01, move_y * 0.01, 0])

        # Adjust the hand position based on the previous step
        if not np.allclose(self.prev_hand_pos, self.hand_pos):
            self.hand_pos = (self.hand_pos + self.prev_hand_pos) / 2

        # Update the previous state
        self.prev_hand_pos = self.hand_pos.copy()
        self.prev_gripper_distance = self.gripper_distance

        return np.array([move_x * 0.01, move_y * 0.01, 0, self.gripper_distance])
