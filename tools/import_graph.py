"""The package's import graph, read from the code: which sub-package imports which.

    python tools/import_graph.py            # a Mermaid diagram for docs/architecture.md
    python tools/import_graph.py --edges    # one "importer -> imported (kind)" line per edge

An edge is `module` when the import runs as the module loads, `lazy` when it sits inside a
function (it runs only when that function is called: how serving stays free of TensorFlow).
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "utk_cnn"


def group(module: str) -> str:
    """The sub-package a module belongs to (top-level modules are their own group)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, str]]:
    """(imported utk_cnn module, "module" or "lazy") for every import in a file."""
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, lazy: bool):
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("utk_cnn"):
                if child.module == "utk_cnn":  # from utk_cnn import __version__ / a sub-package
                    found.extend([(f"utk_cnn.{a.name}", "lazy" if inner else "module") for a in child.names
                                  if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").exists()])
                else:
                    found.append((child.module, "lazy" if inner else "module"))
            elif isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                continue
            visit(child, inner)
    visit(tree, False)
    return found


def edges() -> set[tuple[str, str, str]]:
    """(importer group, imported group, kind) between different groups; `module` wins over `lazy`."""
    kinds: dict[tuple[str, str], str] = {}
    for path in PACKAGE.rglob("*.py"):
        source = group(module_name(path))
        for target, kind in imports(path):
            key = (source, group(target))
            if key[0] != key[1] and kinds.get(key) != "module":
                kinds[key] = kind
    return {(a, b, kind) for (a, b), kind in kinds.items()}


def mermaid() -> str:
    lines = ["```mermaid", "flowchart LR"]
    for a, b, kind in sorted(edges()):
        lines.append(f"  {a} {'-->' if kind == 'module' else '-.->'} {b}")
    lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--edges", action="store_true")
    args = parser.parse_args()
    print("\n".join(f"{a} -> {b} ({k})" for a, b, k in sorted(edges())) if args.edges else mermaid())
