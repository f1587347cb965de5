"""Checks on LLM-written code that need no execution: code-block extraction, syntax, imports, forbidden names."""

from __future__ import annotations

import ast
import re

from promptpo.sandbox.records import Failure
from promptpo.sandbox.rules import ALLOWED_MODULES, FORBIDDEN_NAMES, attribute_allowed, module_allowed

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(```|\Z)", re.DOTALL)


def extract_code(reply: str, class_name: str, *, cut_at_tokens: int | None = None) -> str | Failure:
    """The Python code of a reply: the last fenced block that defines `class_name`, else the last Python block.

    `cut_at_tokens` says the reply stopped at that token limit (finish_reason "length"). Its code is then used
    only if the chosen block was closed before the cut; otherwise the failure is `truncated`, which tells the LLM
    (and the failure tables) what happened instead of reporting the cut-off code as a syntax error. A final block
    left open in a reply that was not cut is accepted as it stands.
    """
    blocks = [
        (code, bool(closing))
        for lang, code, closing in _FENCE.findall(reply)
        if lang.lower() in ("", "python", "py", "python3")
    ]
    binds = re.compile(rf"^(\s*class\s+{re.escape(class_name)}\b|{re.escape(class_name)}\s*(:[^=\n]*)?=[^=])", re.M)
    defining = [block for block in blocks if binds.search(block[0])]
    chosen = (defining or blocks)[-1] if blocks else None
    if cut_at_tokens is not None and (chosen is None or not chosen[1]):
        return Failure(
            "truncated",
            f"the reply stopped at the token limit ({cut_at_tokens} tokens) before its code was complete. Raise "
            "the limit (LLMConfig.max_tokens; CLI and notebooks: max_tokens) or write a shorter class.",
        )
    if chosen is None:
        return Failure("no_code_block", "the reply contains no fenced ```python code block")
    return chosen[0].strip("\n") + "\n"


def check_source(code: str, class_name: str, required_method: str) -> Failure | None:
    """Parse `code` and refuse it before it runs: syntax errors, imports outside the allowlist, forbidden names
    or attributes, and a missing `class_name` with a `required_method`. None when the code may be run."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        line = (error.text or "").rstrip()
        return Failure("syntax_error", f"line {error.lineno}: {error.msg}" + (f"\n    {line}" if line else ""))
    for node in ast.walk(tree):
        if failure := _check_node(node):
            return failure
    if any(class_name in _assigned_names(node) for node in tree.body):
        return None  # bound by assignment (`Policy = Controller`): class and method are checked at run time
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            methods = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
            if required_method in methods or node.bases:  # a base class may provide the method; checked at run time
                return None
            return Failure("missing_class", f"class {class_name} has no method {required_method}()")
    return Failure("missing_class", f"the code defines no top-level class named {class_name}")


def _assigned_names(node: ast.stmt) -> set[str]:
    """Names a top-level assignment binds (`a = b = C`, `a: type = C`, `a, b = C, D`)."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    else:
        return set()
    return {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}


def _check_node(node: ast.AST) -> Failure | None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if failure := _check_module(alias.name):
                return failure
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            return Failure("forbidden_import", "relative imports are not allowed")
        if failure := _check_module(node.module or ""):
            return failure
        for alias in node.names:
            if failure := _check_module(f"{node.module}.{alias.name}", exact_only=True):
                return failure
    elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
        return Failure("forbidden_code", f"line {node.lineno}: the name {node.id!r} is not available to policies")
    elif isinstance(node, ast.Attribute) and _forbidden_attribute(node.attr):
        return Failure("forbidden_code", f"line {node.lineno}: attribute {node.attr!r} is not available to policies")
    return None


def _forbidden_attribute(name: str) -> bool:
    return not attribute_allowed(name)


def _check_module(name: str, *, exact_only: bool = False) -> Failure | None:
    if not module_allowed(name, exact_only=exact_only):
        allowed = ", ".join(sorted(ALLOWED_MODULES))
        return Failure("forbidden_import", f"import of {name!r} is not allowed; allowed modules: {allowed}")
    return None
