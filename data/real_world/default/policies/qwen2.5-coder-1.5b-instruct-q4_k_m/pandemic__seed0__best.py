# PromptPO best policy for pandemic (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -6.06, held-out score -7.484
import numpy as np

class Policy:
    def __init__(self):
        # Initialize the policy with some initial state, for example, regulation stage 0
        self.stage = 0
        self.critical_count = 6

    def act(self, obs: PandemicObservation):
        # The goal is to lower the regulation stage to reduce the critical count
        if obs.tested_critical > 5:
            return 1  # Stay at current regulation stage
        else:
            return 0  # Lower regulation stage by one
