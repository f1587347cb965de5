"""End to end through the notebooks: each runs headlessly under papermill with its smoke profile (PromptPO replayed
from the committed transcripts, tiny RL budgets) into a scratch folder; parameters match the config's names."""

from __future__ import annotations

import ast
import dataclasses

import nbformat
import pandas as pd
import papermill
import pytest
from nbval.plugin import find_comment_markers

from promptpo import readme, report
from promptpo.experiments import LLM_KNOBS, PROMPTPO_KNOBS, load_profile
from promptpo.llm import LLMConfig
from promptpo.loop import PromptPOConfig
from promptpo.paths import NOTEBOOKS_DIR

# notebook -> the family whose profiles (data/profiles/<family>.yml) it runs: the README's map, read backwards
FAMILIES = {notebook: family for family, (_, notebook) in readme.FAMILIES.items()}
NOTEBOOKS = list(FAMILIES)
EXPECTED_FIGURES = {
    "hard_exploration": [
        "hard_exploration_score_vs_steps.png",
        "hard_exploration_final_scores.png",
        "hard_exploration_aggregates.png",
    ],
    "metaworld": ["metaworld_score_vs_steps.png", "metaworld_final_scores.png", "metaworld_aggregates.png"],
    "mujoco": ["mujoco_score_vs_steps.png", "mujoco_aggregates.png"],
    "real_world_control": ["real_world_score_vs_steps.png", "real_world_aggregates.png"],
}


def test_every_notebook_is_tested():
    assert sorted(NOTEBOOKS) == sorted(path.stem for path in NOTEBOOKS_DIR.glob("*.ipynb"))


def parameters_cell(name: str) -> dict[str, object]:
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    tree = ast.parse(cell.source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


RUNNING = {
    "profile",
    "tasks",
    "seeds",
    "methods",
    "recompute",
    "executor",
    "ray_address",
    "workers",
    "progress",
    "results_root",
    "figures_root",
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_use_the_config_names_and_defaults(name):
    """Every other parameter is a field of PromptPOConfig or LLMConfig, defaulting to None (the profile's value)
    or to that field's own default; the loop's ablation knobs and the LLM settings are all there."""
    parameters = parameters_cell(name)
    defaults = {f.name: f.default for cls in (PromptPOConfig, LLMConfig) for f in dataclasses.fields(cls)}
    for parameter, value in parameters.items():
        if parameter not in RUNNING:
            assert parameter in defaults, f"{parameter} is not a PromptPOConfig or LLMConfig field"
            assert value is None or value == defaults[parameter], parameter
    assert set(PROMPTPO_KNOBS) | set(LLM_KNOBS) <= set(parameters)
    assert {"api_key_env", "max_tokens", "temperature", "max_repairs", "reflection", "feedback", "history"} <= set(
        parameters
    )
    assert parameters["llm_mode"] == LLMConfig().llm_mode == "replay"
    assert parameters["profile"] == "default" and parameters["recompute"] is False


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_nbval_ignores_exactly_the_grid_cell(name):
    """After `make reproduce` the grid cell holds that run's timings; nbval must skip it (and nothing else), or
    `make test` fails on the notebook the user just regenerated. Read with nbval's own marker parser: it only
    accepts a comment line that is exactly `# NBVAL_IGNORE_OUTPUT`."""
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    ignored = [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and ("check", False) in find_comment_markers(cell.source)
    ]
    assert len(ignored) == 1 and "run_grid(" in ignored[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_its_smoke_profile_end_to_end(name, tmp_path):
    output = tmp_path / f"{name}.ipynb"
    results, figures = tmp_path / "results", tmp_path / "figures"
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(output),
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        parameters={"profile": "smoke", "results_root": str(results), "figures_root": str(figures)},
        progress_bar=False,
    )
    smoke = load_profile(FAMILIES[name], "smoke")
    rounds = pd.read_csv(results / "promptpo_rounds.csv")
    assert list(rounds["round"]) == [1, 2] * len(set(rounds["task"]))  # replayed from the committed transcripts
    # Every candidate of every round is accounted for: it ran, or its failure was recorded by kind.
    assert ((rounds["candidates_ok"] + rounds["candidates_failed"]) == smoke["promptpo"]["n_gens"]).all()
    # The per-round counts agree with the final attempts in the candidates table.
    finals = report.final_attempts(pd.read_csv(results / "promptpo_candidates.csv").fillna({"failure_kind": ""}))
    failed = finals[finals["failure_kind"] != ""].groupby(["job", "round"]).size()
    per_round = rounds.set_index(["job", "round"])["candidates_failed"]
    assert (per_round == failed.reindex(per_round.index, fill_value=0)).all()
    for _, run in rounds.groupby("task"):  # calls and environment steps accumulate over the rounds
        assert run["llm_calls"].is_monotonic_increasing and run["llm_calls"].iloc[0] > 0
        assert run["env_steps"].is_monotonic_increasing
    curves = pd.read_csv(results / "learning_curves.csv")
    assert set(curves["algo"]) >= {"ppo"} and (curves.groupby(["algo", "seed"])["env_steps"].min() == 0).all()
    assert len(pd.read_csv(results / "references.csv")) >= 1
    for figure in EXPECTED_FIGURES[name]:
        assert (figures / figure).stat().st_size > 10_000
    executed = nbformat.read(output, as_version=4)
    summary = next(cell for cell in executed.cells if "family_summary" in cell.source)
    assert f"PromptPO with {smoke['models'][0]}" in summary.outputs[0]["text"]
