# The two commands of the README. Each creates (or reuses) .venv and installs the pinned dependencies itself.
#   make reproduce   regenerate every result: all notebooks executed headlessly by papermill, offline
#   make test        lint and format check, then the whole test suite: unit, end-to-end, notebooks under nbval, the
#                    llama.cpp integration tests

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.promptpo-installed

# Two cores: one BLAS/OpenMP/torch thread per process, or parallel workers slow each other down 3-15x.
export OMP_NUM_THREADS = 1
export MKL_NUM_THREADS = 1
export OPENBLAS_NUM_THREADS = 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: reproduce test record install lock clean-venv

reproduce: $(STAMP)
	$(PY) -m promptpo reproduce

# Lint and format check first (ruff, configured in pyproject.toml), then the tests. nbval is strict: every committed
# output must come back identical. The one exception is each notebook's grid cell (progress and wall-clock timings),
# marked NBVAL_IGNORE_OUTPUT with its reason in the cell.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest --nbval --nbval-current-env

# Record the PromptPO transcripts of every profile with the local models (llama.cpp; one thread per server, two jobs
# at a time: both cores). Hours on 2 cores; resumable: a rerun repeats no LLM call and no finished job. Each smoke
# profile first (its 2 rounds are the first 2 of the qwen profile's runs: CI replays them), then the qwen profiles.
# Run folders go to runs/, results of these grids to runs/record/ (`make reproduce` regenerates data/ from the
# transcripts); commit data/transcripts/ as it grows. In the background: nohup make record > runs/record.log 2>&1 &
RECORD = --methods promptpo --llm-mode record --workers 2
record: $(STAMP)
	$(PY) -m promptpo grid hard_exploration --profile smoke $(RECORD) --results-dir runs/record/hard_exploration-smoke
	$(PY) -m promptpo grid metaworld --profile smoke $(RECORD) --results-dir runs/record/metaworld-smoke & pid=$$!; \
	$(PY) -m promptpo grid mujoco --profile smoke $(RECORD) --results-dir runs/record/mujoco-smoke && wait $$pid
	for family in hard_exploration metaworld mujoco; do \
	  $(PY) -m promptpo grid $$family --profile qwen $(RECORD) --results-dir runs/record/$$family || exit 1; done

install: $(STAMP)

# torch first and alone: `torch==2.13.0` resolves to the CPU wheel on this project's machines; asked for together
# with other packages (or as a range) pip may pull a multi-GB CUDA build. The lock pins every transitive version.
# simglucose last and without its dependencies: its gymnasium~=0.29.1 pin conflicts with the project's gymnasium
# 1.4.0, on which it runs; the `real-world` extra installs what it needs (see pyproject.toml).
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c requirements.lock -e '.[all]'
	$(PY) -m pip install --quiet --no-deps simglucose==0.2.11
	touch $(STAMP)

# Rewrite requirements.lock from the current environment (after changing pins in pyproject.toml).
lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | sed -e 's/+cpu$$//' | grep -v '^promptpo' > requirements.lock

clean-venv:
	rm -rf $(VENV)
