# PromptPO last policy for mujoco_half_cheetah (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -0.303824, held-out score -0.397338
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.action_space = np.array([-1, 1], dtype=float)
        self.torque_limit = 0.5  # 0.5 N*m torque limit for each joint
        self.joint_angle_thresholds = [-np.pi / 4, np.pi / 4]  # Thresholds to adjust the action

    def act(self, obs: HalfCheetahObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Initialize the action to zero
        action = np.zeros(6)
        
        # Adjust the action based on the observation and reward
        for i in range(6):  # Torso angle is not adjusted
            if obs.joint_angles[i] < self.joint_angle_thresholds[0]:
                action[i] = self.torque_limit if np.abs(obs.joint_velocities[i]) > 0.1 else 0
            elif obs.joint_angles[i] > self.joint_angle_thresholds[1]:
                action[i] = -self.torque_limit if np.abs(obs.joint_velocities[i]) > 0.1 else 0
        
        return action
