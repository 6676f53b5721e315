"""The layering docs/architecture.md describes, checked on the code's own imports."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from import_graph import edges  # noqa: E402

EDGES = edges()


def imported_at_load(source: str) -> set[str]:
    return {b for a, b, kind in EDGES if a == source and kind == "module"}


@pytest.mark.parametrize("serving", ["faces", "inference", "live", "engines"])
def test_serving_never_loads_training(serving):
    assert "training" not in imported_at_load(serving)


def test_faces_loads_nothing_that_knows_about_models():
    assert not imported_at_load("faces") & {"inference", "live", "engines", "evaluation", "training"}


def test_nothing_imports_the_command_line_but_the_entry_point():
    assert {a for a, b, _ in EDGES if b == "cli"} == {"__main__"}


def test_live_and_engines_never_reach_training_even_lazily():
    assert not {b for a, b, _ in EDGES if a in ("live", "engines")} & {"training"}


def loaded_at_module_level(module: str, seen: set[str] | None = None) -> set[str]:
    """Every top-level package a utk_cnn module loads as it loads, following utk_cnn's own imports."""
    import ast
    seen = set() if seen is None else seen
    path = Path(__file__).resolve().parent.parent / (module.replace(".", "/") + ".py")
    if module in seen or not path.exists():
        return set()
    seen.add(module)
    found = set()
    for node in ast.parse(path.read_text()).body:  # module level only: imports inside functions are lazy
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        for name in names:
            found.add(name.split(".")[0])
            if name.startswith("utk_cnn."):
                found |= loaded_at_module_level(name, seen)
    return found


@pytest.mark.parametrize("module", ["config", "model", "losses", "optimization", "distill"])
def test_what_the_gpu_trainer_uses_loads_without_tensorflow(module):
    assert "tensorflow" not in loaded_at_module_level(f"utk_cnn.training.{module}")


def test_the_augmentation_does_load_tensorflow():  # the check above can see an import
    assert "tensorflow" in loaded_at_module_level("utk_cnn.training.augment")
