"""Notebook and grid parameters as papermill users pass them: lists from strings, one-line errors naming the
parameter, and runs with other profiles or parameters writing to folders of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from promptpo.experiments import ParameterError, as_list, grid, output_dirs, results_dir
from promptpo.paths import FIGURES_DIR, NOTEBOOKS_DIR, RUNS_DIR


@pytest.mark.parametrize(
    "value,kind,expected",
    [
        (0, int, [0]),  # papermill -p seeds 0 passes an int
        ("0,1", int, [0, 1]),
        ("[2, 3]", int, [2, 3]),
        ([4], int, [4]),
        ("noise_world_board_0, point_maze_large", str, ["noise_world_board_0", "point_maze_large"]),
        ("[ppo, sac]", str, ["ppo", "sac"]),
        (None, int, None),
    ],
)
def test_list_parameters_accept_what_papermill_passes(value, kind, expected):
    assert as_list("x", value, kind) == expected


@pytest.mark.parametrize(
    "parameters,named",
    [
        ({"seeds": "zero"}, "seeds"),
        ({"seeds": [True]}, "seeds"),
        ({"tasks": "no_such_task"}, "tasks"),
        ({"methods": "ppo,a2c"}, "methods"),
        ({"n_gen": 3}, "n_gen"),
    ],
)
def test_a_wrong_value_is_a_one_line_error_naming_the_parameter(parameters, named):
    with pytest.raises(ParameterError) as error:
        grid("hard_exploration", "smoke", **parameters)
    assert str(error.value).startswith(f"{named}:") and "\n" not in str(error.value)


def test_only_the_default_profile_without_overrides_writes_the_committed_folders():
    assert output_dirs("mujoco", "default", {"tasks": None, "llm_mode": "record", "base_url": "http://x"}) == (
        results_dir("mujoco", "default"),
        FIGURES_DIR,
    )
    for profile, changed in (("smoke", {}), ("default", {"model": "gpt-4o"}), ("default", {"seeds": [1]})):
        results, figures = output_dirs("mujoco", profile, changed)
        assert RUNS_DIR in results.parents and RUNS_DIR in figures.parents
        assert profile in str(results)
    assert output_dirs("mujoco", "default", {"rounds": 2}) != output_dirs("mujoco", "default", {"rounds": 3})


def papermill(tmp_path: Path, *parameters: str) -> subprocess.CompletedProcess[str]:
    """The papermill command line, as a batch user runs it; run folders and results go under tmp_path."""
    command = [
        sys.executable,
        "-m",
        "papermill",
        str(NOTEBOOKS_DIR / "hard_exploration.ipynb"),
        str(tmp_path / "out.ipynb"),
        "--cwd",
        str(NOTEBOOKS_DIR),
        "-k",
        "python3",
        *parameters,
    ]
    environment = {**os.environ, "PROMPTPO_RUNS_DIR": str(tmp_path / "runs")}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)


@pytest.mark.slow
def test_papermill_command_line_parses_lists_and_writes_a_folder_of_its_own(tmp_path):
    done = papermill(
        tmp_path,
        "-p",
        "profile",
        "smoke",
        "-p",
        "tasks",
        "noise_world_board_0",
        "-p",
        "seeds",
        "0",
        "-p",
        "methods",
        "promptpo,reference",
        "-p",
        "progress",
        "False",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [rounds] = (tmp_path / "runs" / "notebooks" / "hard_exploration").glob("*/results/promptpo_rounds.csv")
    table = pd.read_csv(rounds)
    assert set(table["task"]) == {"noise_world_board_0"} and set(table["seed"]) == {0}
    assert "smoke" in str(rounds) and (rounds.parents[1] / "figures").is_dir()


@pytest.mark.slow
def test_papermill_command_line_rejects_a_wrong_value_naming_it(tmp_path):
    done = papermill(tmp_path, "-p", "profile", "smoke", "-p", "seeds", "zero")
    assert done.returncode != 0
    assert "ParameterError: seeds: expected one or more int values" in done.stdout + done.stderr
