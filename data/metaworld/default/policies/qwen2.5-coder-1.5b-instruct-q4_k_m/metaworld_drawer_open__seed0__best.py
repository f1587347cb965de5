# PromptPO best policy for metaworld_drawer_open (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score 0, held-out score 0
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.hand_pos = np.zeros(3)
        self.gripper_distance = 1.0

    def act(self, obs: DrawerOpenObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Initialize hand position and gripper distance
        if np.linalg.norm(self.hand_pos - obs.hand_pos) > 0.2:
            self.hand_pos = obs.hand_pos.copy()
            self.gripper_distance = 1.0

        # Calculate the target for the hand to move towards
        goal_pos = obs.goal_pos.copy()
        if np.linalg.norm(goal_pos - obs.prev_hand_pos) > 0.1:
            goal_pos += np.array([0.0, -0.16, 0.0])

        # Displacement along x and y (hand follows the target point)
        dx = np.clip(obs.hand_pos[0] - goal_pos[0], -0.5, 0.5)
        dy = np.clip(obs.hand_pos[1] - goal_pos[1], 0.40, 1.0)

        # Displacement along z (hand moves up or down)
        dz = np.sign(goal_pos[2] - obs.prev_hand_pos[2])

        # Calculate the gripper action (close or open)
        if self.gripper_distance < 0.3:
            gripper_action = 1.0
        else:
            gripper_action = -1.0

        return np.array([dx, dy, dz, gripper_action])
