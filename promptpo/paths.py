"""Where the repository keeps data, figures, notebooks and run folders."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
TRANSCRIPTS_DIR = DATA_DIR / "transcripts"
FIGURES_DIR = REPO_ROOT / "figures"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# Per-run folders with code, prompts, replies and checkpoints: runs/ (git-ignored), or $PROMPTPO_RUNS_DIR.
RUNS_DIR = Path(os.environ.get("PROMPTPO_RUNS_DIR", REPO_ROOT / "runs"))
