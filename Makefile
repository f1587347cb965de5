# The two commands of the README. Each creates (or reuses) .venv and installs the pinned dependencies itself.
#   make reproduce   regenerate every result: all notebooks executed headlessly by papermill, offline
#   make test        lint and format check, then the whole test suite: unit, end-to-end, notebooks under nbval, the
#                    llama.cpp integration tests, the classroom assignments graded by otter; then the fast tier again
#                    on Python 3.12 (Colab and most JupyterHubs run 3.12)

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.promptpo-installed
# Python 3.12 for the second run of the fast tier: python3.12 on the PATH, else a pyenv-installed 3.12 (whose shim
# answers only where 3.12 is selected). `make test PYTHON312=skip` leaves the 3.12 tier out, and says so.
PYTHON312 ?= $(firstword $(foreach candidate,python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12),\
	$(shell $(candidate) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && echo $(candidate))))
VENV312 ?= .venv312
STAMP312 := $(VENV312)/.promptpo-installed
# The 3.12 tier installs the package, the real-world simulators and otter without the RL baselines (torch,
# Stable-Baselines3), the LLM server, Ray and papermill (tests/conftest.py leaves out the test modules that need
# them). Without the simulators it measured 159 s and 989 MB here.
FAST_TIER_PACKAGES = numpy scipy pandas matplotlib seaborn tqdm openai 'gymnasium[mujoco]' mujoco metaworld \
	gymnasium-robotics nbformat pyyaml pytest pytest-xdist otter-grader ipykernel arch statsmodels \
	eclipse-sumo libsumo sumolib traci gym pathos setuptools

# Two cores: one BLAS/OpenMP/torch thread per process, or parallel workers slow each other down 3-15x.
export OMP_NUM_THREADS = 1
export MKL_NUM_THREADS = 1
export OPENBLAS_NUM_THREADS = 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1
# llama-cpp-python compiles llama.cpp at install time, by default for the build machine's CPU. That native build
# crashed at the first request (general protection fault in libggml-cpu) on this project's Xeon machines with AMX and
# AVX-512 FP16, under virtualisation; the portable build (AVX2, FMA, F16C) serves correctly. `make CMAKE_ARGS=...`
# overrides it (pip caches the built wheel: add --no-cache-dir to rebuild with other flags).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

# The test modules run in TEST_WORKERS processes (pytest-xdist), one per core here: one at a time, the two tiers took
# 27.4 min. `worksteal`: a worker that runs out of tests takes queued ones from the other (a few tests take minutes).
# The notebooks then go through nbval in one process (seconds): nbval runs a notebook's cells in order in one
# kernel, and xdist would spread them over workers (its `loadgroup` marks do not reach pytest 9's node ids).
TEST_WORKERS ?= 2
PARALLEL = -n $(TEST_WORKERS) --dist worksteal

.PHONY: reproduce test test-312 record install lock clean-venv

reproduce: $(STAMP)
	$(PY) -m promptpo reproduce
	$(PY) -m promptpo.readme

# Lint and format check first (ruff, configured in pyproject.toml), then the tests. nbval is strict: every committed
# output must come back identical. The one exception is each notebook's grid cell (progress and wall-clock timings),
# marked NBVAL_IGNORE_OUTPUT with its reason in the cell.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest $(PARALLEL) tests
	$(PY) -m pytest --nbval --nbval-current-env notebooks
	$(MAKE) test-312

# The fast tier (not slow, not integration) on Python 3.12, and one classroom assignment graded there by otter.
ifeq ($(PYTHON312),skip)
test-312:
	@echo "Python 3.12 tier skipped (PYTHON312=skip)"
else
test-312: $(STAMP312)
	$(VENV312)/bin/python -m pytest $(PARALLEL) -m "not slow and not integration" tests
	$(VENV312)/bin/python -m pytest $(PARALLEL) tests/test_assignments.py -k change_the_loop
endif

$(STAMP312): pyproject.toml requirements.lock
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: install it, or run make PYTHON312=/path/to/python3.12 (make PYTHON312=skip leaves the 3.12 tier out)"; exit 1; }
	$(PYTHON312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install --quiet --no-deps -e .
	$(VENV312)/bin/python -m pip install --quiet -c requirements.lock $(FAST_TIER_PACKAGES)
	$(VENV312)/bin/python -m pip install --quiet --no-deps simglucose==0.2.11 rliable==1.2.0
	touch $(STAMP312)

# Record the PromptPO transcripts of every profile with the local models (llama.cpp; one thread per server, two jobs
# at a time: both cores). Hours on 2 cores; resumable: a rerun repeats no LLM call and no finished job. Each smoke
# profile first (its 2 rounds are the first 2 of the default profile's runs: CI replays them), then the default
# profiles.
# Run folders go to runs/, results of these grids to runs/record/ (`make reproduce` regenerates data/ from the
# transcripts); commit data/transcripts/ as it grows. In the background: nohup make record > runs/record.log 2>&1 &
RECORD = --methods promptpo --llm-mode record --workers 2
record: $(STAMP)
	$(PY) -m promptpo grid hard_exploration --profile smoke $(RECORD) --results-dir runs/record/hard_exploration-smoke
	$(PY) -m promptpo grid metaworld --profile smoke $(RECORD) --results-dir runs/record/metaworld-smoke & pid=$$!; \
	$(PY) -m promptpo grid mujoco --profile smoke $(RECORD) --results-dir runs/record/mujoco-smoke && wait $$pid
	$(PY) -m promptpo grid real_world --profile smoke $(RECORD) --results-dir runs/record/real_world-smoke
	for family in hard_exploration metaworld mujoco real_world; do \
	  $(PY) -m promptpo grid $$family --profile default $(RECORD) --results-dir runs/record/$$family || exit 1; done

install: $(STAMP)

# torch first and alone: `torch==2.13.0` resolves to the CPU wheel on this project's machines; asked for together
# with other packages (or as a range) pip may pull a multi-GB CUDA build. The lock pins every transitive version.
# simglucose and rliable last and without their dependencies: simglucose's gymnasium~=0.29.1 pin conflicts with the
# project's gymnasium 1.4.0, on which it runs (the `real-world` extra installs what it needs), and rliable's arch < 8
# with pandas 3 (arch 8 and statsmodels are in the main dependencies; see pyproject.toml).
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c requirements.lock -e '.[all]'
	$(PY) -m pip install --quiet --no-deps simglucose==0.2.11 rliable==1.2.0
	touch $(STAMP)

# Rewrite requirements.lock from the current environment (after changing pins in pyproject.toml). --all keeps
# setuptools, which the real-world extra pins (gym 0.9.4 imports its pkg_resources, gone from later releases): the
# Python 3.12 tier takes it from the lock.
lock: $(STAMP)
	$(PY) -m pip freeze --all --exclude-editable | sed -e 's/+cpu$$//' | grep -v -e '^promptpo' -e '^pip==' > requirements.lock

clean-venv:
	rm -rf $(VENV) $(VENV312)
