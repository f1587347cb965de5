# PromptPO last policy for pandemic (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -7.85333, held-out score -7.484
import numpy as np

class Policy:
    def __init__(self):
        # Initialize the policy with some initial state, for example, regulation stage 0
        self.stage = 0
        self.critical_count = 6
        self.previous_stage = 0
        self.early_warning_threshold = 15  # Number of days before critical count increases significantly
        self.hospital_bed_ratio = 0.8  # Ratio of beds occupied by critical people

    def act(self, obs: PandemicObservation):
        # The goal is to lower the regulation stage to reduce the critical count
        if self.stage == 0:
            if obs.tested_critical > 5:
                return 1  # Stay at current regulation stage
            else:
                return 0  # Lower regulation stage by one
        
        previous_stage = self.previous_stage
        self.previous_stage = self.stage

        if (obs.critical_count < self.critical_count - 5 and obs.tested_critical > self.early_warning_threshold) or \
           (self.critical_count >= 15 and obs.tested_critical < self.early_warning_threshold):
            return 0  # Stay at current regulation stage
        else:
            if obs.critical_above_threshold and (obs.critical_count - obs.critical_above_threshold * self.hospital_bed_ratio) >= self.critical_count - 5:
                return 2  # Raise regulation stage by one
            elif obs.critical_count > 10 and obs.tested_critical < self.early_warning_threshold:
                return 2  # Raise regulation stage by one
            else:
                return 1  # Lower regulation stage by one
