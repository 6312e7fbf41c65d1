"""compile_ahead: a second process compiles part of a cold fit's kernels into the cache.

Each case runs a fit in a fresh process with a numba cache directory of its own, so the cache
starts cold, and compares the model with the one this process fits (the same kernels, compiled
here without a helper or loaded from this session's cache): the helper changes the time only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from numba import typeof

from glassboost import ExplainableBoostingClassifier
from glassboost.compile_ahead import _cached
from glassboost.kernels.boost import ahead_jobs, boost_arguments, boost_kernel

SCRIPT = """
import json, sys
import numpy as np
from numba.core import event
from glassboost import ExplainableBoostingClassifier, compile_ahead
compiled = []
class Names(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data['dispatcher'].py_func.__name__)
    def on_end(self, ev): pass
event.register('numba:compile', Names())
launched = []
start = compile_ahead.start
def watched_start(*args):
    result = start(*args)
    launched.append(result)
    if result and sys.argv[1] == 'kill':
        compile_ahead._helper.kill()  # gone before reporting anything
    return result
compile_ahead.start = watched_start
import glassboost.booster
glassboost.booster.compile_ahead = compile_ahead
"""
#: The data and the model, the same in the fresh process and in this one.
DATA_AND_MODEL = """
rng = np.random.default_rng(0)
X = rng.normal(size=(400, 4))
X[:, 3] = rng.integers(0, 6, 400)
y = X[:, 0] + X[:, 1] * X[:, 2] + (X[:, 3] == 2) + rng.normal(0, 0.5, 400) > 0.5
model = ExplainableBoostingClassifier(outer_bags=2, interactions=2,
                                      feature_types=[None, None, None, 'nominal'])
model.fit(X, y)
"""
REPORT = """
print(json.dumps({'launched': launched, 'compiled': compiled,
                  'proba': model.predict_proba(X)[:, 1].tolist()}))
"""
PROMISED = {"nominal_order", "_pair_update", "single_score_step_pass", "pair_strengths"}


def fit_in_fresh_process(cache: Path, mode: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    env.pop("GLASSBOOST_COMPILE_AHEAD", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT + DATA_AND_MODEL + REPORT, mode],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def reference_proba() -> np.ndarray:
    namespace = {"np": np, "ExplainableBoostingClassifier": ExplainableBoostingClassifier}
    exec(DATA_AND_MODEL, namespace)
    return namespace["model"].predict_proba(namespace["X"])[:, 1]


def test_a_cold_fit_takes_the_promised_functions_from_the_helper_and_fits_the_same_model(
        tmp_path):
    cold = fit_in_fresh_process(tmp_path / "cache", "keep")
    assert cold["launched"][0] is True  # one helper, for the first stage of the first bag
    assert True not in cold["launched"][1:]
    assert "_boost_terms" in cold["compiled"]
    # typing reached each promised function after the helper reported it: loaded, not compiled
    assert not PROMISED & set(cold["compiled"]), sorted(PROMISED & set(cold["compiled"]))
    np.testing.assert_array_equal(cold["proba"], reference_proba())

    warm = fit_in_fresh_process(tmp_path / "cache", "keep")
    assert warm["compiled"] == [] and True not in warm["launched"]
    np.testing.assert_array_equal(warm["proba"], cold["proba"])


def test_a_helper_that_dies_leaves_the_fit_to_compile_everything_itself(tmp_path):
    cold = fit_in_fresh_process(tmp_path / "cache", "kill")
    assert cold["launched"][0] is True
    assert PROMISED <= set(cold["compiled"])  # nothing came from the helper
    np.testing.assert_array_equal(cold["proba"], reference_proba())


def test_the_cache_index_tells_a_compiled_variant_from_one_never_compiled():
    rng = np.random.default_rng(1)
    n = 50
    codes = rng.integers(0, 3, (2, n)).astype(np.uint16)
    rest = (np.array([3, 3]), np.array([1, 1]), np.zeros(2, np.bool_), np.zeros(2, np.int64),
            np.ones(n), np.ones(n), rng.normal(size=(n, 1)), np.zeros(n), np.zeros((n, 1)), 0.0,
            np.int64(0), np.zeros((n, 1)), np.zeros((2, 3, 1)), 0.1, 2, 0, 0.0, 0.0, 1, 0.0, 3,
            0, 0.0, 1.0, 0.0, 1.0, None, 0)
    arguments = boost_arguments(codes, *rest)
    boost_kernel(*arguments)  # compiled here, or loaded: either way in the cache now
    assert _cached(boost_kernel, tuple(map(typeof, arguments)))
    never = boost_arguments(codes.astype(np.int8), *rest)  # glassboost never uses int8 codes
    assert not _cached(boost_kernel, tuple(map(typeof, never)))
    driver, values, promised = ahead_jobs(arguments)[0]
    assert len(values) < len(arguments) and "_pair_update" in {f.__name__ for f in promised}
