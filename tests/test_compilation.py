"""The compile notice: one line when glassboost's kernels compile, nothing on a warm cache.

Every case runs in fresh processes that share a numba cache directory of their own
(``NUMBA_CACHE_DIR``): the first process finds it cold and compiles, the next finds it warm.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from glassboost.compilation import NOTICE


def run_python(args: list[str], cache_dir: Path, cwd: Path,
               **environment: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), **environment)
    result = subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result


def notices(stderr: str) -> int:
    return stderr.splitlines().count(NOTICE)


def test_cli_fit_announces_a_cold_compile_once_and_a_warm_cache_compiles_nothing(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))  # > 256 distinct values: one code dtype for both stages
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["y"] = X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(0, 0.3, len(X))
    frame.to_csv(tmp_path / "data.csv", index=False)
    train = ["-m", "glassboost", "train", "data.csv", "--target", "y", "--out", "model.json",
             "--outer-bags", "1", "--interactions", "1"]

    cold = run_python(train, tmp_path / "cache", tmp_path)
    assert notices(cold.stderr) == 1, cold.stderr
    assert cold.stderr.splitlines()[0] == NOTICE  # before anything else the fit reports

    warm = run_python(train + ["--force"], tmp_path / "cache", tmp_path)  # replaces model.json
    assert notices(warm.stderr) == 0, warm.stderr
    assert (tmp_path / "model.json").exists()


def test_python_fit_announces_once_compiles_only_its_variant_and_others_stay_quiet(tmp_path):
    script = (
        "import numpy as np, numba, sys\n"
        "from numba.core import event\n"
        "compiled = []\n"
        "class Names(event.Listener):\n"
        "    def on_start(self, ev):\n"
        "        function = ev.data['dispatcher'].py_func\n"
        "        compiled.append(function.__module__ + '.' + function.__qualname__)\n"
        "    def on_end(self, ev): pass\n"
        "event.register('numba:compile', Names())\n"
        "from glassboost import ExplainableBoostingClassifier\n"
        "from glassboost.kernels import bin_space, block_passes, boost, split\n"
        "numba.njit(lambda x: x + 1)(1)\n"  # someone else's numba code compiles: no notice
        "print('user code compiled', file=sys.stderr, flush=True)\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(300, 3))\n"
        "model = ExplainableBoostingClassifier(outer_bags=1, interactions=1)\n"
        "model.fit(X, X[:, 0] + X[:, 1] * X[:, 2] > 0).predict_proba(X)\n"
        "left_out = [bin_space.cooccurrence_prefix, bin_space.apply_in_bins,\n"
        "            split.pair_hessian_tables, block_passes._softmax_block_pass_by_count,\n"
        "            split._best_pair_tree]\n"
        "print('left out compiled:', sum(len(kernel.signatures) for kernel in left_out))\n"
        "print('pair trees compiled:', len(split.pair_term_update.signatures))\n"
        "print('string code compiled:', sorted({name for name in compiled if 'shape_context' in\n"
        "      name or 'permute_arrays' in name or name.startswith('numba.cpython.unicode')}))\n"
    )

    # this process compiles everything itself (no helper: ``compile_ahead`` would compile the
    # pair trees in another process)
    cold = run_python(["-c", script], tmp_path / "cache", tmp_path, GLASSBOOST_COMPILE_AHEAD="0")
    lines = cold.stderr.splitlines()
    assert notices(cold.stderr) == 1, cold.stderr
    assert lines.index("user code compiled") < lines.index(NOTICE)
    # a binary classifier's kernel leaves out bin space, fixed hessians and several scores
    assert "left out compiled: 0" in cold.stdout and "pair trees compiled: 1" in cold.stdout
    # no kernel copies arrays by slice assignment or transposes with explicit axes: numba
    # compiles those with error messages built from strings (a fifth of the compile)
    assert "string code compiled: []" in cold.stdout, cold.stdout

    warm = run_python(["-c", script], tmp_path / "cache", tmp_path, GLASSBOOST_COMPILE_AHEAD="0")
    assert notices(warm.stderr) == 0, warm.stderr
    assert "pair trees compiled: 0" in warm.stdout  # the kernel came from the cache


def announced_cold_only(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``script`` on a cold cache, then on the warm one (without the helper process that
    compiles ahead): the notice shows once, then not at all; returns the warm run."""
    cold = run_python(["-c", script], tmp_path / "cache", tmp_path, GLASSBOOST_COMPILE_AHEAD="0")
    assert notices(cold.stderr) == 1, cold.stderr
    warm = run_python(["-c", script], tmp_path / "cache", tmp_path, GLASSBOOST_COMPILE_AHEAD="0")
    assert notices(warm.stderr) == 0, warm.stderr
    return warm


def test_a_warm_multiclass_fit_compiles_nothing(tmp_path):
    """The constant model's softmax loss, which the booster computes outside the boosting
    kernel, comes from the cache too: it once compiled in every process, and announced it."""
    script = (
        "import numpy as np\n"
        "from glassboost import ExplainableBoostingClassifier\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(300, 3))\n"
        "y = np.digitize(X[:, 0] + X[:, 1] * X[:, 2], [-0.5, 0.5])\n"
        "ExplainableBoostingClassifier(outer_bags=1, interactions=1).fit(X, y)\n"
    )
    announced_cold_only(script, tmp_path)


def test_a_warm_fit_with_a_callback_compiles_nothing_worth_announcing(tmp_path):
    """The step reporter's call into Python (an ``objmode`` block, which numba builds in every
    process) is no kernel compile: a warm fit with a callback once announced a 20 s compile."""
    script = (
        "import numpy as np\n"
        "from glassboost import ExplainableBoostingClassifier\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(300, 3))\n"
        "y = X[:, 0] + rng.normal(size=300) > 0\n"
        "steps = []\n"
        "def watch(bag, stage, step, term, metric):\n"
        "    steps.append(step)\n"
        "ExplainableBoostingClassifier(outer_bags=1, interactions=0, callbacks=watch).fit(X, y)\n"
        "print('steps reported:', len(steps))\n"
    )
    warm = announced_cold_only(script, tmp_path)
    assert int(warm.stdout.split("steps reported:")[1]) > 0
