"""Custom regression objectives: the same kernels as the built-in ones, checked inputs."""
from __future__ import annotations

import math
import pickle

import duckdb
import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from sklearn.base import clone

import glassboost
from glassboost import CustomObjective, ExplainableBoostingRegressor
from glassboost.export.onnx import onnx_inputs
from glassboost.kernels.boost import boost_kernel
from glassboost.kernels.loss import CUSTOM, group_gradient, group_loss
from glassboost.objectives import kernel_params, regression_objective


def _huber_gradient(y, s):
    e = s - y
    return e / math.sqrt(1.0 + e * e)


def _huber_hessian(y, s):
    return 1.0 / math.sqrt(1.0 + (s - y) ** 2)


def _huber_loss(y, s):
    return math.sqrt(1.0 + (s - y) ** 2) - 1.0


def _poisson_gradient(y, s):
    return math.exp(s) - y


def _poisson_hessian(y, s):
    return math.exp(s)


def _poisson_loss(y, s):
    return math.exp(s) - y * s


HUBER = CustomObjective("unit_huber", _huber_gradient, _huber_hessian, _huber_loss)
POISSON = CustomObjective("my_poisson", _poisson_gradient, _poisson_hessian, _poisson_loss,
                          link="log")


def _heavy_tailed(n=1500, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    return X, np.sin(X[:, 0]) + X[:, 1] + rng.standard_t(2, n)


def _counts(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(-2, 2, size=(n, 3)), columns=["a", "b", "c"])
    mu = np.exp(0.5 * X["a"] + 0.3 * np.sin(2 * X["b"]))
    return X, rng.poisson(mu).astype(float)


@pytest.mark.parametrize("score, target, weight", [(-0.7, 0.4, 1.0), (0.3, 2.5, 2.0),
                                                   (1.2, -3.0, 0.5)])
def test_kernels_weight_the_rows_callbacks(score, target, weight) -> None:
    params = kernel_params(regression_objective(HUBER), np.array([target]), np.ones(1))
    g, h = group_gradient(CUSTOM, score, weight, weight * target, params)
    assert g == pytest.approx(weight * _huber_gradient(target, score), rel=1e-12)
    assert h == pytest.approx(weight * _huber_hessian(target, score), rel=1e-12)
    loss = group_loss(CUSTOM, score, weight, weight * target, params)
    assert loss == pytest.approx(weight * _huber_loss(target, score), rel=1e-12)
    step = 1e-6
    slope = (group_loss(CUSTOM, score + step, weight, weight * target, params)
             - group_loss(CUSTOM, score - step, weight, weight * target, params)) / (2 * step)
    assert g == pytest.approx(slope, rel=1e-6)
    assert group_gradient(CUSTOM, score, 0.0, 0.0, params) == (0.0, 0.0)


def test_custom_objective_equal_to_a_builtin_fits_the_same_model() -> None:
    """pseudo-Huber with delta 1 written as a custom objective: same start, steps and stops."""
    X, y = _heavy_tailed()
    settings = {"outer_bags": 2, "interactions": [(0, 1)]}
    ours = ExplainableBoostingRegressor(objective=HUBER, **settings).fit(X, y)
    builtin = ExplainableBoostingRegressor(objective="pseudo_huber:delta=1", **settings).fit(X, y)
    assert ours.objective_ == "custom:unit_huber" and ours.link_ == "identity"
    assert ours.intercept_ == pytest.approx(builtin.intercept_, abs=1e-9)
    np.testing.assert_array_equal(ours.best_iteration_, builtin.best_iteration_)
    np.testing.assert_allclose(ours.predict(X), builtin.predict(X), atol=1e-9)


def test_log_link_custom_poisson_matches_the_builtin_poisson() -> None:
    X, y = _counts()
    ours = ExplainableBoostingRegressor(objective=POISSON, outer_bags=2).fit(X, y)
    builtin = ExplainableBoostingRegressor(objective="poisson_deviance", outer_bags=2).fit(X, y)
    assert ours.link_ == "log"
    assert np.all(ours.predict(X) > 0)
    # built-in Poisson merges rows with equal codes and stops on the deviance; the custom one
    # boosts single rows on its own loss, so the two fits agree closely, not exactly
    assert abs(ours.intercept_ - builtin.intercept_) < 0.01
    assert np.corrcoef(ours.predict(X), builtin.predict(X))[0, 1] > 0.999


def test_every_custom_objective_shares_one_compiled_kernel() -> None:
    X, y = _heavy_tailed(600)
    ExplainableBoostingRegressor(objective=HUBER, outer_bags=1, interactions=0).fit(X, y)
    compiled = len(boost_kernel.signatures)
    other = CustomObjective("halved_squares", lambda y, s: s - y, lambda y, s: 1.0,
                            lambda y, s: 0.5 * (s - y) ** 2)
    model = ExplainableBoostingRegressor(objective=other, outer_bags=1, interactions=0)
    model.fit(X, y)
    assert len(boost_kernel.signatures) == compiled
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.5


@pytest.mark.parametrize("objective, message", [
    (CustomObjective("bad", _poisson_gradient, _poisson_hessian,
                     lambda y, s: 0.5 * (s - y) ** 2),
     "gradient.*is .* but the slope of its loss there is"),
    (CustomObjective("bad", lambda y, s: "text", _huber_hessian, _huber_loss),
     "numba could not compile the custom objective's gradient"),
    (CustomObjective("bad", _huber_gradient, lambda y, s: -1.0, _huber_loss),
     "hessian.*must be >= 0"),
    (CustomObjective("bad", lambda y, s: math.inf, _huber_hessian, _huber_loss),
     "gradient.*not a finite number"),
    (CustomObjective("bad", _huber_gradient, _huber_hessian, _huber_loss, link="logit"),
     "link must be one of"),
    (CustomObjective("", _huber_gradient, _huber_hessian, _huber_loss), "non-empty string"),
    (CustomObjective("bad", None, _huber_hessian, _huber_loss), "gradient must be a function"),
    # finite at the sampled targets, but not at one far out: every row is checked
    (CustomObjective("bad", lambda y, s: (s - y) / (0.0 if y > 50 else 1.0), lambda y, s: 1.0,
                     lambda y, s: 0.5 * (s - y) ** 2 / (0.0 if y > 50 else 1.0)),
     r"at y\[7\] = 100 .* every value must be a finite number"),
])
def test_bad_custom_objectives_are_named(objective, message) -> None:
    X, y = _heavy_tailed(300)
    y[7] = 100.0
    with pytest.raises(ValueError, match=message):
        ExplainableBoostingRegressor(objective=objective, outer_bags=1).fit(X, y)


def test_classifiers_refuse_custom_objectives() -> None:
    X, y = _heavy_tailed(300)
    with pytest.raises(ValueError, match="custom objectives are for regression"):
        glassboost.ExplainableBoostingClassifier(objective=HUBER).fit(X, y > 0)


def test_custom_models_clone_pickle_save_and_export(tmp_path) -> None:
    X, y = _counts(800)
    model = ExplainableBoostingRegressor(objective=POISSON, outer_bags=2).fit(X, y)
    copied = clone(model).objective  # a deep copy, of the same functions
    assert (copied.name, copied.gradient, copied.loss) == ("my_poisson", _poisson_gradient,
                                                           _poisson_loss)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.predict(X))

    path = tmp_path / "model.json"
    model.to_json(path)
    loaded = glassboost.load(path)
    assert loaded.objective_ == "custom:my_poisson" and loaded.link_ == "log"
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # the file has the name, not the functions: refitting needs the objective itself
    with pytest.raises(ValueError, match="pass the glassboost.CustomObjective itself"):
        loaded.fit(X, y)

    session = ort.InferenceSession(model.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, onnx_inputs(model, X))))
    np.testing.assert_allclose(outputs["decision_function"], model.decision_function(X),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(outputs["predict"], model.predict(X), rtol=1e-9, atol=1e-9)

    rows = X.assign(row_id=np.arange(len(X)))
    with duckdb.connect() as connection:
        connection.register("data", rows)
        result = connection.execute(model.to_sql(dialect="duckdb")).df().sort_values("row_id")
    np.testing.assert_allclose(result["score"], model.decision_function(X), atol=1e-9)
    np.testing.assert_allclose(result["prediction"], model.predict(X), rtol=1e-9)
