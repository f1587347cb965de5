"""pytest configuration: test modules whose stack is not installed are left out, and the run's header says so."""

from __future__ import annotations

import importlib.util

# The Python 3.12 tier of `make test` installs the package without the RL baselines (torch, Stable-Baselines3),
# papermill and nbval, to keep its install small: these modules need them and run in the Python 3.11 tier.
NEEDS = {
    "test_baselines.py": "torch",
    "test_parameters.py": "torch",
    "test_replay.py": "torch",
    "test_report.py": "torch",
    "test_runner.py": "torch",
    "test_notebooks.py": "papermill",
}
collect_ignore = [name for name, module in NEEDS.items() if importlib.util.find_spec(module) is None]


def pytest_report_header() -> str:
    if not collect_ignore:
        return "every test module collected"
    missing = sorted({NEEDS[name] for name in collect_ignore})
    return f"not collected (no {', '.join(missing)} here; the Python 3.11 tier runs them): {', '.join(collect_ignore)}"
