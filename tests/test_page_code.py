"""The page's JavaScript: its copies of the Python rules pass their Node tests on golden files that are current."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from page_goldens import CASES, GOLDEN

ROOT = Path(__file__).resolve().parent.parent


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and a and isinstance(a[0], (list, float, int)):
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), atol=1e-3, err_msg=path)
    else:
        assert a == b, path


@pytest.mark.parametrize("name", list(CASES))
def test_the_golden_files_are_what_the_python_rules_write_today(name):
    _close(CASES[name](), json.loads((GOLDEN / f"{name}.json").read_text()), name)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (apt-get install nodejs)")
def test_the_page_modules_pass_their_node_tests():
    done = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
