"""Every message PromptPO sends: base prompt, history, reflection, repair and Feedback-summariser prompts."""

from __future__ import annotations

from dataclasses import dataclass

from promptpo.llm import Messages
from promptpo.rollout import Transition
from promptpo.sandbox import Failure, Limits
from promptpo.sandbox.rules import ALLOWED_MODULES
from promptpo.tasks import Task
from promptpo.tasks.base import source_of

SYSTEM = (
    "You are an expert in reinforcement learning, control and Python. You write complete, executable Python "
    "policies for sequential decision-making tasks and improve them from rollout feedback."
)


@dataclass(frozen=True)
class Winner:
    """A round's best candidate as later prompts show it: its code and how it did on the selection episodes."""

    round: int
    code: str
    returns: tuple[float, ...]
    successes: tuple[bool, ...] | None  # for success-scored tasks
    feedback: tuple[str, ...]  # one Feedback line per episode (empty without a summariser)


class Prompts:
    """Builds the prompts for one task. The base prompt is generated from the task's own documented pieces:
    observation class source, action space, reward source (or text), horizon and termination."""

    def __init__(self, task: Task, limits: Limits):
        self.task = task
        self.base = self._base_prompt(task, limits)

    @staticmethod
    def _base_prompt(task: Task, limits: Limits) -> str:
        cls = task.policy_class_name
        reward = task.reward_source()
        reward_block = f"```python\n{reward.rstrip()}\n```" if task.reward_function is not None else reward
        goal = (
            f"succeeds in as many episodes as possible: an episode lasts at most {task.horizon} steps and succeeds "
            "if the success rule holds after any of them."
            if task.score == "success"
            else f"maximises the expected total reward of an episode of at most {task.horizon} steps."
        )
        sections = [
            f"# Task: {task.name}\nWrite a Python policy for this environment that {goal} You are not told the "
            f"environment's dynamics; reason from the descriptions below and from the rollout feedback you will get.",
            f"## Observation\nEach step, `{cls}.act(obs)` receives `obs`, an instance of this class:\n"
            f"```python\n{task.observation_source().rstrip()}\n```",
            f"## Action\n{task.action_description()}",
            f"## Reward\n{reward_block}",
            f"## Episode\nHorizon: {task.horizon} steps. {task.termination}",
        ]
        if task.extra_context:
            sections.append(f"## Context\n{task.extra_context}")
        sections += [
            "## Rules\n"
            f"- A fresh `{cls}()` is created at the start of every episode; `act` is called once per step.\n"
            f"- The observation is read-only: copy arrays before modifying them.\n"
            f"- Allowed imports: {', '.join(sorted(ALLOWED_MODULES))}. No files outside the working folder, no "
            f"network, no subprocesses.\n"
            f"- Limits: `__init__` {limits.init_timeout_s:g} s, each `act` call {limits.act_timeout_s:g} s, "
            f"{limits.memory_mb} MB of memory.",
            f"## Starter code\n```python\n{task.starter_stub().rstrip()}\n```",
            f"## Instructions\nThink about what the observation and reward tell you, then write the complete class "
            f"`{cls}` in one ```python fenced code block.",
        ]
        return "\n\n".join(sections)

    # ---- policy rounds ------------------------------------------------------------------------------------------

    def history(self, winners: list[Winner]) -> str:
        blocks = []
        for winner in winners:
            per_episode = ", ".join(f"{value:.4g}" for value in winner.returns)
            lines = [f"### Round {winner.round} winner", f"```python\n{winner.code.rstrip()}\n```"]
            lines.append(f"Episode returns: [{per_episode}] (mean {sum(winner.returns) / len(winner.returns):.4g})")
            if winner.successes is not None:
                lines.append(f"Episode successes: {[int(s) for s in winner.successes]}")
            lines += [f"Episode {i + 1} feedback: {text}" for i, text in enumerate(winner.feedback)]
            blocks.append("\n".join(lines))
        return "## Earlier rounds\n" + "\n\n".join(blocks)

    def policy(self, winners: list[Winner], reflection: str | None) -> Messages:
        """Round 1: the base prompt. Later: base, reflection, every kept winner, and a closing instruction."""
        if not winners:
            return [("system", SYSTEM), ("user", self.base)]
        parts = [self.base]
        if reflection:
            parts.append(f"## Reflection on the attempts so far\n{reflection.strip()}")
        parts.append(self.history(winners))
        parts.append(
            f"Write a new `{self.task.policy_class_name}` that achieves a higher expected return than every policy "
            "above. Return the complete class in one ```python fenced code block."
        )
        return [("system", SYSTEM), ("user", "\n\n".join(parts))]

    def reflection(self, winners: list[Winner]) -> Messages:
        request = (
            f"{self.history(winners)}\n\nCompare the most recent winner with the earlier attempts. In 3-4 "
            "sentences and without code, say what its returns and feedback suggest it does well or badly, and "
            "how a policy could obtain more return."
        )
        return [("system", SYSTEM), ("user", f"{self.base}\n\n{request}")]

    def repair(self, code: str | None, failure: Failure) -> Messages:
        shown = f"```python\n{code.rstrip()}\n```" if code else "(no code could be extracted from your reply)"
        cls = self.task.policy_class_name
        if failure.kind == "truncated":  # the code was fine so far but did not fit: ask for less, not for a fix
            request = (
                f"## Your previous code (cut off)\n{shown}\n\n## What went wrong\n{failure.describe()}\n\nWrite a "
                f"shorter but complete class `{cls}`: keep only what the policy needs, few comments, no explanation "
                "outside the code block. Return it in one ```python fenced code block."
            )
        else:
            request = (
                f"## Your previous code\n{shown}\n\n## What went wrong\n{failure.describe()}\n\nFix the problem and "
                f"return the complete corrected class `{cls}` in one ```python fenced code block."
            )
        return [("system", SYSTEM), ("user", f"{self.base}\n\n{request}")]

    # ---- Feedback summariser -----------------------------------------------------------------------------------

    def feedback(self) -> Messages:
        request = (
            "## Your job now: a trajectory summariser\nBefore writing policies, write a class `Feedback` with a "
            "method `summarize_trajectory(self, traj) -> str`. `traj` is the list of steps of one episode, each "
            f"an instance of:\n```python\n{source_of(Transition).rstrip()}\n```\nReturn one short line of "
            "statistics that would help improve a policy: sums, minima, maxima or means of reward-relevant "
            "quantities you can compute from the observations, actions and rewards. Same allowed imports and "
            "rules as above. Return the complete class in one ```python fenced code block."
        )
        return [("system", SYSTEM), ("user", f"{self.base}\n\n{request}")]

    def feedback_repair(self, code: str | None, failure: Failure) -> Messages:
        messages = self.feedback()
        shown = f"```python\n{code.rstrip()}\n```" if code else "(no code could be extracted from your reply)"
        fix = f"## Your previous Feedback class\n{shown}\n\n## What went wrong\n{failure.describe()}\n\nFix it."
        return [messages[0], ("user", f"{messages[1][1]}\n\n{fix}")]
