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
