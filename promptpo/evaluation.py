"""From LLM replies to scored results: extract and screen the code, then roll it out in the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from promptpo.rollout import episode_score
from promptpo.sandbox import EvalJob, EvalResult, Failure, Limits, Sandbox, check_source, extract_code
from promptpo.tasks import Task

DEFAULT_LIMITS = Limits()


Extractor = Callable[..., "str | Failure"]  # extract_code(reply, class_name, *, cut_at_tokens=None) and variants


def screen(
    reply: str, class_name: str, method: str, *, cut_at_tokens: int | None = None, extract: Extractor = extract_code
) -> tuple[str | None, Failure | None]:
    """(the reply's code or None, the failure that stops it from running or None): truncated at the token limit
    (`cut_at_tokens`, see `extract_code`), no block, syntax, imports, missing class. `extract` finds the code (a
    variant must keep `extract_code`'s signature and its `truncated` rule)."""
    code = extract(reply, class_name, cut_at_tokens=cut_at_tokens)
    if isinstance(code, Failure):
        partial = extract(reply, class_name) if code.kind == "truncated" else None
        return (partial if isinstance(partial, str) else None), code
    return code, check_source(code, class_name, method)


def evaluate_codes(
    sandbox: Sandbox,
    task: Task,
    codes: Sequence[str | Failure | None],
    seeds: Sequence[int],
    *,
    feedback_code: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    on_done: Callable[[int, EvalResult], None] | None = None,
) -> list[EvalResult]:
    """Evaluate each screened code on `seeds` (in parallel); a `Failure` entry is passed through unevaluated and
    `None` evaluates a uniformly random policy. Results are in input order."""
    positions = [i for i, code in enumerate(codes) if not isinstance(code, Failure)]
    jobs = [
        EvalJob(task.name, codes[i], task.policy_class_name, tuple(seeds), feedback_code, limits) for i in positions
    ]  # type: ignore[arg-type]
    report = None if on_done is None else (lambda job_index, result: on_done(positions[job_index], result))
    evaluated = iter(sandbox.run(jobs, on_done=report))
    return [EvalResult(failure=code) if isinstance(code, Failure) else next(evaluated) for code in codes]


def score(result: EvalResult, task: Task) -> float | None:
    """Mean episode return, or success rate for success tasks; None for a failed evaluation."""
    if result.failure is not None or not result.episodes:
        return None
    return sum(episode_score(e, task) for e in result.episodes) / len(result.episodes)
