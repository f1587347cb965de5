"""Regenerate every result: execute each notebook headlessly with papermill, offline, from committed transcripts.

Each notebook runs with `recompute=True`: every job of its default profile is rerun (PromptPO replayed from
data/transcripts, RL trained, references evaluated) and data/ and figures/ are rewritten; the notebook is saved with
its new outputs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import nbformat

from promptpo.files import slug
from promptpo.paths import NOTEBOOKS_DIR, RUNS_DIR

# Papermill records wall-clock times and absolute paths in the notebook; they would make every rerun a diff.
_VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")
_VOLATILE_CELL_KEYS = ("start_time", "end_time", "duration")


def notebooks(names: list[str] | None = None) -> list[Path]:
    """The notebooks to execute, in name order; `names` selects some by stem (e.g. `hard_exploration`)."""
    found = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if names:
        unknown = set(names) - {path.stem for path in found}
        if unknown:
            raise SystemExit(f"unknown notebook(s) {sorted(unknown)}; available: {[p.stem for p in found]}")
        found = [path for path in found if path.stem in names]
    return found


def execute(path: Path, parameters: dict[str, Any] | None = None, output: Path | None = None) -> float:
    """Execute `path` with papermill (kernel `python3`, working directory `notebooks/`), in place or into
    `output`; returns seconds."""
    import papermill

    output = output or path
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    papermill.execute_notebook(
        str(path),
        str(output),
        parameters=parameters or {},
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=True,
        log_output=False,
    )
    strip_volatile_metadata(output)
    return time.monotonic() - started


def strip_volatile_metadata(path: Path) -> None:
    """Remove papermill's timestamps, paths and injected-parameters cell from an executed notebook.

    The injected cell only switched `recompute` (and any -p overrides) for this execution; without it the committed
    notebook re-executes with its own defaults, which read the regenerated data (what nbval checks).
    """
    notebook = nbformat.read(path, as_version=4)
    papermill_meta = notebook.metadata.get("papermill", {})
    for key in (*_VOLATILE_NOTEBOOK_KEYS, "parameters"):
        papermill_meta.pop(key, None)
    notebook.cells = [cell for cell in notebook.cells if "injected-parameters" not in cell.metadata.get("tags", [])]
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for key in _VOLATILE_CELL_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(notebook, path)


def _parse_parameter(text: str) -> tuple[str, Any]:
    import yaml

    name, _, value = text.partition("=")
    if not name or not _:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, yaml.safe_load(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="promptpo reproduce", description=__doc__)
    parser.add_argument("notebooks", nargs="*", help="notebook stems to run (default: all)")
    parser.add_argument(
        "-p",
        "--parameter",
        action="append",
        type=_parse_parameter,
        default=[],
        metavar="NAME=VALUE",
        help="override a notebook parameter (YAML value), e.g. -p rounds=2 -p llm_mode=record",
    )
    parser.add_argument(
        "--no-recompute",
        action="store_true",
        help="only re-execute the notebooks on the results already in data/ (default: rerun every job)",
    )
    args = parser.parse_args(argv)
    selected = notebooks(args.notebooks)
    if not selected:
        print(f"no notebooks in {NOTEBOOKS_DIR}: nothing to regenerate")
        return
    overrides = dict(args.parameter)
    parameters = {"recompute": not args.no_recompute, "progress": False, **overrides}
    for path in selected:
        # With overrides the results go to runs/ (see experiments.output_dirs), and so does the executed notebook:
        # the committed one always shows the committed results.
        name = "_".join(f"{key}-{value}" for key, value in sorted(overrides.items()))
        output = RUNS_DIR / "notebooks" / f"{path.stem}_{slug(name)[:100]}.ipynb" if overrides else path
        print(f"executing {path.relative_to(NOTEBOOKS_DIR.parent)} {parameters} -> {output}", flush=True)
        seconds = execute(path, parameters, output)
        print(f"  done in {seconds:.0f} s", flush=True)
