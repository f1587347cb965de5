"""The `promptpo` command line: run PromptPO on a task, serve a local LLM, regenerate every result."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from promptpo.llm import LLMConfig
from promptpo.paths import RUNS_DIR
from promptpo.sandbox import Failure, Limits


def add_config_arguments(parser: argparse.ArgumentParser, cls: type, prefix: str = "") -> None:
    """One option per field of config dataclass `cls` (`n_gens` -> `--n-gens`), so the command line cannot
    drift from the config: same names, same defaults. Booleans get `--x/--no-x`."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[field.name]):
            continue
        option = "--" + (prefix + field.name).replace("_", "-")
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()  # type: ignore[misc]
        kind = _without_none(hints[field.name])
        common = dict(dest=prefix + field.name, default=default, help="default: %(default)s")
        if kind is bool:
            parser.add_argument(option, action=argparse.BooleanOptionalAction, **common)
        elif typing.get_origin(kind) is typing.Literal:
            parser.add_argument(option, choices=typing.get_args(kind), **common)
        else:
            parser.add_argument(option, type=kind, metavar=kind.__name__.upper(), **common)


def _without_none(hint: Any) -> Any:
    """`int | None` -> int; any other hint unchanged."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return hint


def config_from_arguments(cls: type, args: argparse.Namespace, prefix: str = "", **nested: Any) -> Any:
    values = {f.name: getattr(args, prefix + f.name) for f in dataclasses.fields(cls) if f.name not in nested}
    return cls(**values, **nested)


def _run(argv: list[str]) -> None:
    from promptpo.loop import PromptPOConfig, run_promptpo

    parser = argparse.ArgumentParser(
        prog="promptpo run",
        description="Run PromptPO on one task. Replay mode (default) answers every LLM call from data/transcripts; "
        "--llm-mode record calls your endpoint (or the local llama.cpp server when --base-url is not given) and "
        "stores the replies; --llm-mode live stores nothing. Rerunning the same command resumes the run.",
    )
    add_config_arguments(parser, PromptPOConfig)
    add_config_arguments(parser.add_argument_group("LLM"), LLMConfig)
    add_config_arguments(parser.add_argument_group("sandbox limits"), Limits, prefix="limit_")
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR, help="where run folders go (default: runs/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    config = config_from_arguments(
        PromptPOConfig,
        args,
        llm=config_from_arguments(LLMConfig, args),
        limits=config_from_arguments(Limits, args, prefix="limit_"),
    )
    result = run_promptpo(config, runs_dir=args.runs_dir, progress=not args.quiet)
    for record in result.rounds:
        print(json.dumps(dataclasses.asdict(record)))
    print(f"run folder: {result.run_dir}")
    if result.best is not None:
        heldout = result.round(result.best.round).heldout_score
        print(f"reported policy (best selection score): round {result.best.round}, held-out score {heldout}")
    print(f"LLM: {json.dumps(result.ledger)}")


def _grid(argv: list[str]) -> None:
    from promptpo.experiments import ParameterError, grid, results_dir
    from promptpo.runner import run_grid

    parser = argparse.ArgumentParser(
        prog="promptpo grid",
        description="Run a notebook's experiment grid (data/profiles/<family>.yml) without the notebook, locally or "
        "on Ray. Finished jobs are skipped; results go to data/<family>/<profile>/. Example, re-recording the "
        "PromptPO transcripts of the default profile: promptpo grid hard_exploration --methods promptpo "
        "--llm-mode record",
    )
    parser.add_argument("family")
    parser.add_argument("--profile", default="default")
    lists = "; space- or comma-separated"
    parser.add_argument("--methods", nargs="+", default=["reference", "promptpo", "ppo", "dqn", "sac"], help=lists)
    parser.add_argument("--tasks", nargs="+", default=None, help="default: the profile's" + lists)
    parser.add_argument("--seeds", nargs="+", default=None, help="PromptPO run seeds" + lists)
    for name, kind in (("model", str), ("base_url", str), ("rounds", int), ("n_gens", int), ("episodes", int)):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=None)
    parser.add_argument("--llm-mode", choices=["replay", "record", "live"], default=None)
    parser.add_argument("--executor", choices=["local", "ray"], default="local")
    parser.add_argument("--ray-address", default=None, help="a Ray cluster (default: start a local Ray instance)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--recompute", action="store_true", help="rerun finished jobs too")
    parser.add_argument(
        "--prune", action="store_true", help="drop the results of jobs that are not in this grid (old budgets, seeds)"
    )
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        jobs = grid(
            args.family,
            args.profile,
            tasks=_joined(args.tasks),
            model=args.model,
            base_url=args.base_url,
            llm_mode=args.llm_mode,
            rounds=args.rounds,
            n_gens=args.n_gens,
            episodes=args.episodes,
            seeds=_joined(args.seeds),
            methods=_joined(args.methods),
        )
    except ParameterError as error:
        raise SystemExit(f"error: {error}") from None
    folder = args.results_dir or results_dir(args.family, args.profile)
    timings = run_grid(
        jobs,
        folder,
        executor=args.executor,
        workers=args.workers,
        ray_address=args.ray_address,
        recompute=args.recompute,
        prune=args.prune,
        timings_path=RUNS_DIR / "timings.jsonl",
    )
    for timing in timings:
        print(json.dumps(timing))
    print(f"{len(jobs)} jobs in the grid, {len(timings)} run now; results in {folder}")


def _joined(values: list[str] | None) -> str | None:
    """`--tasks a b` and `--tasks a,b` alike: one comma-separated string, which `experiments.as_list` parses as
    a notebook's `-p tasks a,b`."""
    return None if values is None else ",".join(values)


def _evaluate(argv: list[str]) -> None:
    from promptpo.files import printable
    from promptpo.grading import SEED_ENV, SEED_FILE_ENV, EvaluateConfig, SeedError, evaluate_policy
    from promptpo.sandbox.requirements import describe_missing, missing_layers

    parser = argparse.ArgumentParser(
        prog="promptpo evaluate",
        description="Score a policy file exactly as PromptPO scores its candidates: in the sandbox, on the held-out "
        "seeds that every method is reported on. Handy for checking a hand-written policy (or a student's). Exits "
        "with 1 when the evaluation failed (the failure record says why).",
    )
    parser.add_argument("policy", type=Path, help="a .py file defining the policy class with act(obs)")
    parser.add_argument("--task", required=True)
    parser.add_argument("--episodes", type=int, default=EvaluateConfig.episodes)
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"base of the held-out seeds (default: ${SEED_ENV}, else the integer in the file named by "
        f"${SEED_FILE_ENV}, else 0)",
    )
    seeds.add_argument("--seed-file", type=Path, default=None, help="a file holding the base of the held-out seeds")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: score, per-episode returns and successes, steps, the failure record",
    )
    config = EvaluateConfig(**vars(parser.parse_args(argv)))
    if warning := describe_missing(missing_layers()):
        print(warning, file=sys.stderr)  # checked first: the message must come before any code runs
    try:
        report = evaluate_policy(config)
    except (SeedError, OSError) as error:
        raise SystemExit(f"error: {error}") from None
    failure = report["failure"]
    if config.json:
        print(json.dumps(report))
    elif failure is not None:
        described = Failure(**failure).describe()
        print(f"FAILED after {len(report['returns'])} episode(s): {printable(described)}")
    else:
        returns = ", ".join(f"{value:.4g}" for value in report["returns"])
        print(
            f"{report['task']}: {report['score_kind']} {report['score']:.4g} over {len(report['returns'])} held-out "
            f"episodes ({report['env_steps']} steps); returns: {returns}"
        )
    if failure is not None:
        raise SystemExit(1)


def _grade(argv: list[str]) -> None:
    from promptpo.autograde import GradeConfig, GradeError, grade
    from promptpo.grading import SEED_FILE_ENV, SeedError

    parser = argparse.ArgumentParser(
        prog="promptpo grade",
        description="Grade notebook submissions with an otter autograder zip, in two passes: the notebook runs "
        "without the secret seed (its file hidden by Landlock), then each policy question runs again outside the "
        "notebook with the seed. Results: OUT/<notebook name>/results.json (read them with "
        "promptpo.classroom.score_table).",
    )
    parser.add_argument("autograder", type=Path, help="the zip that `otter assign` wrote into autograder/")
    parser.add_argument("submissions", type=Path, nargs="+", help="student notebooks (.ipynb)")
    parser.add_argument(
        "--seed-file",
        type=Path,
        default=None,
        help=f"the file holding the hidden seed base (default: ${SEED_FILE_ENV})",
    )
    parser.add_argument("--out", type=Path, default=GradeConfig.out, help="default: %(default)s")
    parser.add_argument("--timeout-s", type=float, default=GradeConfig.timeout_s, help="per pass; default: %(default)s")
    args = parser.parse_args(argv)
    config = GradeConfig(**vars(args) | {"submissions": tuple(args.submissions)})
    try:
        graded = grade(config)
    except (GradeError, SeedError) as error:
        raise SystemExit(f"error: {error}") from None
    for name, results in graded.items():
        total = sum(test["score"] for test in results["tests"])
        possible = sum(test["max_score"] for test in results["tests"])
        stopped = " (the notebook's run was stopped at the time limit)" if results["notebook_pass"]["timed_out"] else ""
        print(f"{name}: {total:g} of {possible:g} points{stopped}; {config.out / name / 'results.json'}")


def _serve(argv: list[str]) -> None:
    from promptpo.llm import local_server

    local_server.main(argv)


def _transcripts(argv: list[str]) -> None:
    from promptpo.llm import TranscriptStore
    from promptpo.paths import TRANSCRIPTS_DIR

    parser = argparse.ArgumentParser(
        prog="promptpo transcripts",
        description="List (or delete) stored transcripts that no run under --runs used: replies recorded for "
        "prompts that changed since. Replay every profile into an empty runs folder first (make reproduce), or "
        "needed transcripts are listed too. --rekey instead moves transcripts recorded under an older key version "
        "to their current keys (replies unchanged).",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--runs", type=Path, help="the folder of run folders to check against")
    action.add_argument("--rekey", action="store_true", help="re-key every transcript to the current key version")
    parser.add_argument("--store", type=Path, default=TRANSCRIPTS_DIR)
    parser.add_argument("--delete", action="store_true", help="delete them (default: only list them)")
    args = parser.parse_args(argv)
    store = TranscriptStore(args.store)
    if args.rekey:
        total, moved = len(store), store.rekey()
        for old, new in moved:
            print(f"{old} -> {new.name}")
        print(f"{len(moved)} of {total} transcripts re-keyed")
        return
    if not args.runs.is_dir():
        raise SystemExit(f"error: --runs {args.runs} is not a folder")
    total, unused = len(store), store.unused(args.runs)
    for path in unused:
        print(path)
        if args.delete:
            path.unlink()
    verb = "deleted" if args.delete else "unused (rerun with --delete to remove them)"
    print(f"{len(unused)} of {total} transcripts {verb}")


def _reproduce(argv: list[str]) -> None:
    from promptpo import reproduce

    reproduce.main(argv)


COMMANDS = {
    "run": (_run, "run PromptPO on one task (see `promptpo run --help`)"),
    "evaluate": (_evaluate, "score a policy file in the sandbox on the held-out seeds (see --help)"),
    "grade": (_grade, "grade notebook submissions with an otter autograder, the seed kept from them (see --help)"),
    "grid": (_grid, "run a notebook's experiment grid, locally or on Ray (see `promptpo grid --help`)"),
    "reproduce": (_reproduce, "regenerate every result: execute all notebooks with papermill, offline"),
    "serve": (_serve, "run the local llama.cpp OpenAI-compatible server (see `promptpo serve --help`)"),
    "transcripts": (_transcripts, "list or delete transcripts no run used, or re-key them (see --help)"),
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        lines = [f"  {name:<10} {help_text}" for name, (_, help_text) in COMMANDS.items()]
        print("usage: promptpo COMMAND [options]\n\ncommands:\n" + "\n".join(lines))
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    command, _ = COMMANDS[argv[0]]
    from promptpo.llm import LLMUnavailable, LocalServerUnavailable, TranscriptMissing
    from promptpo.runner import GridError

    try:
        command(argv[1:])
    except (TranscriptMissing, LLMUnavailable, LocalServerUnavailable, GridError) as error:
        print(f"error: {error}", file=sys.stderr)  # expected conditions: a message, not a traceback
        raise SystemExit(1) from None
