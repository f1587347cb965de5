"""PromptPO: LLMs as policy optimisers for sequential RL tasks, reproducibly."""

__version__ = "0.1.0"
