"""Replay of the committed transcripts through the real entry point (the experiment runner): recorded policies run
and score, and replaying twice writes byte-identical data."""

from __future__ import annotations

import pandas as pd
import pytest

from promptpo.experiments import grid
from promptpo.runner import run_grid


def files(folder) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("family", ["hard_exploration", "metaworld", "mujoco"])
def test_replaying_twice_gives_identical_data_and_recorded_policies_that_ran(family, tmp_path, monkeypatch):
    jobs = grid(family, "smoke", methods=("promptpo",))
    written = []
    for attempt in ("first", "second"):  # separate run folders: the second replay resumes nothing of the first
        monkeypatch.setenv("PROMPTPO_RUNS_DIR", str(tmp_path / f"runs-{attempt}"))
        run_grid(jobs, tmp_path / attempt, workers=2, progress=False)
        written.append(files(tmp_path / attempt))
    assert written[0] == written[1]
    candidates = pd.read_csv(tmp_path / "first" / "promptpo_candidates.csv", keep_default_na=False)
    ran = candidates[candidates["failure_kind"] == ""]
    assert len(ran) > 0 and (ran["env_steps"] > 0).all()  # at least one recorded policy ran and was scored
    assert pd.to_numeric(ran["selection_score"]).notna().all()
    rounds = pd.read_csv(tmp_path / "first" / "promptpo_rounds.csv")
    assert rounds["heldout_score"].notna().any()
