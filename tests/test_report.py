"""Tables and texts the notebooks show about PromptPO, on the recorded Qwen smoke runs replayed through the runner."""

from __future__ import annotations

import pytest

from promptpo import report
from promptpo.experiments import grid
from promptpo.runner import run_grid


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    jobs = grid("hard_exploration", "smoke", methods=("promptpo", "reference"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMPTPO_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
        run_grid(jobs, folder, workers=2, progress=False)
    return report.Results.load(folder, {job.key for job in jobs}), folder


@pytest.mark.slow
def test_failure_table_accounts_for_every_reply_and_lists_truncated(replayed):
    results, _ = replayed
    table = report.failure_table(results)
    [model] = results.models
    kinds = [column for column in table.columns if column not in ("replies", "ran", "truncation rate")]
    assert kinds[0] == "truncated" and "syntax_error" in kinds
    assert (
        table.loc[model, "ran"] + table.loc[model, kinds].sum()
        == table.loc[model, "replies"]
        == len(results.candidates)
    )
    assert table.loc[model, "truncation rate"] == table.loc[model, "truncated"] / table.loc[model, "replies"]


@pytest.mark.slow
def test_best_policy_and_a_failed_reply_come_from_the_run(replayed):
    results, folder = replayed
    code = report.best_policy(results, folder)
    assert code.startswith("# PromptPO best policy for ") and "class Policy" in code
    text = report.failed_reply(results)
    kinds = set(results.candidates["failure_kind"]) - {""}
    first = text.splitlines()[0]
    assert first.startswith(f"{results.models[0]} on ") and any(f": {kind}: " in first for kind in kinds)
    assert "(its transcript is not in this checkout)" not in text and len(text.splitlines()) > 3
