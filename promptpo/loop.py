"""PromptPO: an LLM writes policies from Python descriptions of a task and improves them from rollout feedback.

The algorithm is `run_promptpo`, top to bottom; prompts, sandboxing, LLM access and the run folder live in their
own modules. Differences from the paper's reference code (which ran generated code in the optimiser's own process
and stopped at the first unexpected reply): no LLM output can abort a run (failures are records), generated code
runs only in confined workers, episodes are seeded, every round's winner is re-scored on held-out seeds that no
choice uses (the reported policy is chosen on selection scores), every environment step is counted, and an
interrupted run resumes without repeating any LLM call or finished evaluation.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from promptpo.evaluation import Extractor, score, screen
from promptpo.llm import LLM, CallTag, ChatReply, LLMConfig, Messages
from promptpo.paths import RUNS_DIR
from promptpo.prompts import Prompts, Winner
from promptpo.rollout import Episode, heldout_seeds, selection_seeds
from promptpo.run_folder import RunFolder
from promptpo.sandbox import EvalResult, Limits, Sandbox, extract_code
from promptpo.tasks import get_task


@dataclass(frozen=True)
class PromptPOConfig:
    """Every knob of a run; defaults are the paper's (rounds: the paper's per-task value when None)."""

    task: str = "noise_world_board_1"
    rounds: int | None = None  # paper: 5 NoiseWorld; 10 mazes, button-press, pick-place; 20 MuJoCo, door, drawer
    n_gens: int = 10  # independent samples of the policy prompt per round
    episodes: int = 5  # selection episodes per candidate
    heldout_episodes: int = 20  # fresh-seed episodes re-scoring each round's winner (not in the paper)
    max_repairs: int = 10  # repair attempts per crashed candidate
    feedback: bool = True  # LLM-written trajectory summariser
    feedback_repairs: int = 3
    reflection: bool = True
    history: int | None = None  # earlier winners kept in the prompt (None: all)
    seed: int = 0  # base of the episode seeds
    workers: int = 2  # parallel evaluation workers
    limits: Limits = field(default_factory=Limits)
    llm: LLMConfig = field(default_factory=LLMConfig)

    def identity(self) -> dict[str, Any]:
        """What determines the results (the run folder is named after it): not the LLM mode, URL or workers."""
        data = dataclasses.asdict(self)
        data.pop("workers")
        for key in LLMConfig.RESULT_NEUTRAL:
            data["llm"].pop(key)
        return data


@dataclass
class Candidate:
    """One policy reply and what became of it (attempt 0 is the original sample, k the k-th repair)."""

    round: int
    sample: int
    attempt: int
    code: str | None
    result: EvalResult
    score: float | None
    reply_key: str  # the LLM call that wrote it (its transcript's key)

    @property
    def name(self) -> str:
        return f"r{self.round:02d}_s{self.sample:02d}_a{self.attempt:02d}"


@dataclass
class RoundRecord:
    """One round of a run: the paper's per-round metrics. Counts of the round's samples are of their final attempts
    (`failures`: those that failed, by kind); `truncated_replies` counts every policy or repair reply of the round
    cut at the token limit. Scores are None when no candidate ran (or the winner failed on a held-out episode)."""

    task: str
    round: int
    winner_sample: int | None
    winner_attempt: int | None
    selection_score: float | None
    heldout_score: float | None
    heldout_success_rate: float | None  # success-scored tasks only
    env_steps: int  # cumulative over the run, every selection and held-out rollout included
    llm_calls: int  # cumulative, as are the token counts
    prompt_tokens: int
    completion_tokens: int
    candidates_ok: int
    candidates_failed: int
    truncated_replies: int
    failures: dict[str, int]
    reported_round: int | None = None  # the run's reported policy after this round (`reported_winner`)
    reported_heldout: float | None = None

    def table_row(self) -> dict[str, Any]:
        """The record as a row of the rounds tables (rounds.csv, promptpo_rounds.csv): every field but `failures`,
        whose tidy form is the candidates table (one row per reply with its failure kind)."""
        row = dataclasses.asdict(self)
        del row["failures"]
        return row


@dataclass
class RunResult:
    config: PromptPOConfig
    rounds: list[RoundRecord]
    candidates: list[Candidate]
    best: Candidate | None  # the reported policy (`reported_winner`): chosen on selection scores, never held-out
    last: Candidate | None  # the last round's winner (the paper's artifact)
    feedback_code: str | None
    ledger: dict[str, Any]
    run_dir: str
    heldout: dict[int, list[Episode]] = field(default_factory=dict)  # round -> its winner's held-out episodes

    def round(self, index: int) -> RoundRecord:
        """The record of round `index` (1-based, as in `Candidate.round`)."""
        return self.rounds[index - 1]

    @property
    def env_steps(self) -> int:
        """Environment steps the whole run used (0 if it ended before its first round)."""
        return self.rounds[-1].env_steps if self.rounds else 0


class ChatModel(Protocol):
    """What the loop needs from an LLM: `promptpo.llm.LLM`, or a test double."""

    ledger: Any

    def chat(self, messages: Messages, *, tag: CallTag) -> ChatReply: ...

    def sample(self, messages: Messages, n: int, *, tag: CallTag) -> list[ChatReply]: ...

    def chat_many(self, calls: list[tuple[Messages, CallTag]]) -> list[ChatReply]: ...


def best_selection_score(candidates: list[Candidate]) -> Candidate | None:
    """The paper's winner rule: the highest selection score among the candidates that ran (ties: the lowest sample
    index); None when none ran."""
    scored = [c for c in candidates if c.score is not None]
    return max(scored, key=lambda c: (c.score, -c.sample)) if scored else None


WinnerRule = Callable[[list[Candidate]], "Candidate | None"]


def reported_winner(winners: list[Candidate]) -> Candidate | None:
    """The policy a run reports: the round winner with the highest selection score (ties: the earliest round).

    Chosen on selection episodes only, so its held-out score is an unbiased estimate: taking the maximum of the
    winners' held-out scores would choose on the very episodes the score is reported on. Pitfall: each round has
    its own selection seeds, so this compares winners on different episodes (noisy, but never on held-out ones)."""
    scored = [w for w in winners if w.score is not None]
    return max(scored, key=lambda w: (w.score, -w.round)) if scored else None


def run_promptpo(
    config: PromptPOConfig,
    *,
    llm: ChatModel | None = None,
    runs_dir: Path = RUNS_DIR,
    progress: bool = True,
    pick_winner: WinnerRule = best_selection_score,
    extract: Extractor = extract_code,
) -> RunResult:
    """Run PromptPO on one task. `llm` defaults to `promptpo.llm.LLM(config.llm)` checkpointed in the run folder
    under `runs_dir`; rerunning the same configuration resumes that folder.

    `pick_winner` (each round's candidates, final attempts, in sample order -> the winner or None) and `extract`
    (see `evaluation.screen`) are the loop's two replaceable parts, for experiments and the classroom's "Change the
    loop". The run folder is named after `config` alone: give a variant its own `runs_dir`."""
    task = get_task(config.task)
    rounds = config.rounds or task.paper_rounds
    folder = RunFolder.for_run(runs_dir, task.name, config.llm.model, config.seed, config.identity())
    folder.write_json("config.json", dataclasses.asdict(config))
    prompts = Prompts(task, config.limits)
    own_llm = llm is None
    llm = llm or LLM(config.llm, run_dir=folder.path)
    candidates: list[Candidate] = []
    winners: dict[int, tuple[Candidate, float | None]] = {}  # round -> (winner, held-out score)
    heldout_episodes: dict[int, list[Episode]] = {}
    env_steps, history = 0, []
    table: list[RoundRecord] = []
    try:
        with Sandbox([task.name], workers=config.workers) as sandbox:

            def evaluate(codes, seeds, feedback_code=None):  # every selection rollout counts as interaction
                nonlocal env_steps
                results = folder.evaluate(
                    sandbox, task, codes, seeds, feedback_code=feedback_code, limits=config.limits
                )
                env_steps += sum(result.env_steps for result in results)
                return results

            # 0. The Feedback summariser: written once, checked on a random-policy episode, repaired if it fails.
            feedback_code = None
            if config.feedback:
                messages = prompts.feedback()
                for attempt in range(config.feedback_repairs + 1):
                    purpose = "feedback" if attempt == 0 else "feedback-repair"
                    reply = llm.chat(messages, tag=CallTag(task.name, 0, purpose, attempt=attempt))
                    cut = reply.cut_at_tokens
                    code, failure = screen(
                        reply.text, "Feedback", "summarize_trajectory", cut_at_tokens=cut, extract=extract
                    )
                    if failure is None:
                        [check] = evaluate([None], selection_seeds(0, 1, config.seed), code)
                        failure = check.feedback_failure
                    if failure is None:
                        feedback_code = code
                        break
                    messages = prompts.feedback_repair(code, failure)

            bar = tqdm(range(1, rounds + 1), desc=task.name, unit="round", disable=not progress)
            for round_index in bar:
                # 1. Reflection on the winners so far (3-4 sentences, no code), then the round's prompt.
                kept = history if config.history is None else history[len(history) - config.history :]
                reflection = None
                if config.reflection and history:
                    tag = CallTag(task.name, round_index, "reflection")
                    reflection = llm.chat(prompts.reflection(kept), tag=tag).text
                messages = prompts.policy(kept, reflection)
                folder.write_prompt(f"r{round_index:02d}_policy", messages)

                # 2. N independent samples, each screened and rolled out on the round's selection seeds.
                replies = llm.sample(messages, config.n_gens, tag=CallTag(task.name, round_index, "policy"))
                seeds = selection_seeds(round_index, config.episodes, config.seed)
                current = _evaluate_replies(
                    evaluate, replies, task, seeds, feedback_code, round_index, attempt=0, extract=extract
                )

                # 3. Crashed candidates go back to the LLM with their failure record, up to max_repairs times.
                superseded: list[Candidate] = []
                for attempt in range(1, config.max_repairs + 1):
                    broken = [c for c in current if c.result.failure is not None]
                    if not broken:
                        break
                    repair_replies = llm.chat_many(
                        [
                            (
                                prompts.repair(c.code, c.result.failure),
                                CallTag(task.name, round_index, "repair", sample=c.sample, attempt=attempt),
                            )
                            for c in broken
                        ]
                    )
                    fixed = _evaluate_replies(
                        evaluate,
                        repair_replies,
                        task,
                        seeds,
                        feedback_code,
                        round_index,
                        attempt,
                        samples=[c.sample for c in broken],
                        extract=extract,
                    )
                    superseded += broken
                    current = [fixed.pop(0) if c.result.failure is not None else c for c in current]
                candidates += superseded + current

                # 4. The winner (by default the best selection score, ties: lowest sample); re-scored on held-out seeds.
                winner = pick_winner(current)
                heldout = None
                if winner is not None:
                    [heldout] = folder.evaluate(
                        sandbox,
                        task,
                        [winner.code],
                        heldout_seeds(config.heldout_episodes, config.seed),
                        feedback_code=None,
                        limits=config.limits,
                    )
                    winners[round_index] = (winner, score(heldout, task))
                    heldout_episodes[round_index] = heldout.episodes
                    history.append(_as_winner(winner, task))
                record = _round_record(task, round_index, current, superseded, winner, heldout, env_steps, llm.ledger)
                reported = reported_winner([w for w, _ in winners.values()])
                record.reported_round = reported.round if reported else None
                record.reported_heldout = winners[reported.round][1] if reported else None
                table.append(record)
                for candidate in superseded + current:
                    folder.write_candidate(candidate.name, candidate.code, _candidate_record(candidate))
                folder.write_table("rounds.csv", [r.table_row() for r in table])
                bar.set_postfix(reported=record.reported_heldout, steps=env_steps)
    finally:
        if own_llm:
            llm.close()  # type: ignore[union-attr]

    result = RunResult(
        config=config,
        rounds=table,
        candidates=candidates,
        best=reported_winner([w for w, _ in winners.values()]),
        last=winners[rounds][0] if rounds in winners else None,
        feedback_code=feedback_code,
        ledger=llm.ledger.summary(),
        run_dir=str(folder.path),
        heldout=heldout_episodes,
    )
    folder.write_json("result.json", _summary(result))
    return result


# ---- plumbing of the loop ---------------------------------------------------------------------------------------


def _evaluate_replies(evaluate, replies, task, seeds, feedback_code, round_index, attempt, samples=None, *, extract):
    """Screen each reply and evaluate the runnable ones; one `Candidate` per reply."""
    samples = samples if samples is not None else list(range(len(replies)))
    cls = task.policy_class_name
    screened = [screen(reply.text, cls, "act", cut_at_tokens=reply.cut_at_tokens, extract=extract) for reply in replies]
    results = evaluate([failure or code for code, failure in screened], seeds, feedback_code)
    return [
        Candidate(round_index, sample, attempt, code, result, score(result, task), reply.key)
        for sample, reply, (code, _), result in zip(samples, replies, screened, results)
    ]


def _as_winner(candidate: Candidate, task) -> Winner:
    episodes = candidate.result.episodes
    return Winner(
        round=candidate.round,
        code=candidate.code or "",
        returns=tuple(e.episode_return for e in episodes),
        successes=tuple(e.success for e in episodes) if task.score == "success" else None,
        feedback=tuple(candidate.result.feedback),
    )


def _round_record(task, round_index, current, superseded, winner, heldout, env_steps, ledger) -> RoundRecord:
    """The round's `RoundRecord`: `current` holds each sample's final attempt, `superseded` the attempts repaired."""
    usage = ledger.summary()
    failures = Counter(c.result.failure.kind for c in current if c.result.failure is not None)
    truncated = sum(c.result.failure is not None and c.result.failure.kind == "truncated" for c in superseded + current)
    heldout_score = score(heldout, task) if heldout is not None else None
    return RoundRecord(
        task=task.name,
        round=round_index,
        winner_sample=winner.sample if winner else None,
        winner_attempt=winner.attempt if winner else None,
        selection_score=winner.score if winner else None,
        heldout_score=heldout_score,
        heldout_success_rate=(sum(e.success for e in heldout.episodes) / len(heldout.episodes))
        if heldout is not None and heldout.episodes and task.score == "success"
        else None,
        env_steps=env_steps,
        llm_calls=usage["calls"],
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        candidates_ok=sum(c.result.failure is None for c in current),
        candidates_failed=sum(failures.values()),
        truncated_replies=truncated,
        failures=dict(sorted(failures.items())),
    )


def _candidate_record(candidate: Candidate) -> dict[str, Any]:
    return {
        "round": candidate.round,
        "sample": candidate.sample,
        "attempt": candidate.attempt,
        "score": candidate.score,
        "result": candidate.result.to_dict(),
    }


def _summary(result: RunResult) -> dict[str, Any]:
    def describe(candidate: Candidate | None) -> dict[str, Any] | None:
        if candidate is None:
            return None
        return {
            "round": candidate.round,
            "sample": candidate.sample,
            "attempt": candidate.attempt,
            "selection_score": candidate.score,
            "heldout_score": result.round(candidate.round).heldout_score,
            "code": candidate.code,
        }

    return {
        "task": result.config.task,
        "model": result.config.llm.model,
        "rounds": len(result.rounds),
        "env_steps": result.env_steps,
        "best": describe(result.best),
        "last": describe(result.last),
        "feedback_code": result.feedback_code,
        "ledger": result.ledger,
    }
