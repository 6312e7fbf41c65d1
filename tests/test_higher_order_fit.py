"""Fitting explicit terms of three or more features (kernels/tensor_split.py, booster.py,
purification.py), checked against a brute-force tree search and against InterpretML."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.kernels.tensor_split import tensor_term_update
from glassboost.parameters import MAX_TENSOR_CELLS
from glassboost.purification import purify_tensor

SMALL = dict(outer_bags=2, n_jobs=1, max_interaction_bins=8, random_state=1)


def _three_way(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """y is the sign of x0 * x1 * x2 (plus noise): no main effect and no pair explains it."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    y = (X.a * X.b * X.c + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def data():
    return _three_way(3000)


@pytest.fixture(scope="module")
def three_way(data):
    X, y = data
    return ExplainableBoostingClassifier(interactions=[(2, 0, 1), (0, 3)], **SMALL).fit(
        X[:2000], y[:2000])


def _log_loss(model, X, y) -> float:
    p = np.clip(model.predict_proba(X)[:, 1], 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


# --- the tree search -------------------------------------------------------------------------

def _reference_gain(grad, hess, counts, shape, min_samples_leaf, min_hessian):
    """Best gain of a chain tree by brute force: every order, side and cut, sums by masks."""
    g, h, n = (a.reshape(*shape, -1) for a in (grad, hess, counts[:, None]))
    seen = tuple(slice(0, s - 1) for s in shape)
    g, h, n = g[seen], h[seen], n[seen]
    real = [d for d in range(len(shape)) if shape[d] - 1 >= 2]

    def score(box):
        if n[box].sum() < min_samples_leaf:
            return None
        hs, gs = h[box].sum(axis=tuple(range(len(shape)))), g[box].sum(
            axis=tuple(range(len(shape))))
        if np.any(hs < min_hessian) or np.any(hs <= 0):
            return None
        return float((gs * gs / hs).sum())

    parent = score(tuple(slice(None) for _ in shape))
    best = 0.0
    for order in itertools.permutations(real):
        for sides in range(1 << (len(real) - 1)):
            for cuts in itertools.product(*(range(1, shape[d] - 1) for d in order)):
                box = [slice(0, shape[d] - 1) for d in range(len(shape))]
                total, ok = 0.0, True
                for level, (d, cut) in enumerate(zip(order, cuts)):
                    low, high = list(box), list(box)
                    low[d] = slice(box[d].start, cut)
                    high[d] = slice(cut, box[d].stop)
                    if level == len(order) - 1:
                        leaves = [low, high]
                    else:
                        goes_high = (sides >> level) & 1
                        leaves, box = ([low], high) if goes_high else ([high], low)
                    for leaf in leaves:
                        s = score(tuple(leaf))
                        if s is None:
                            ok = False
                            break
                        total += s
                    if not ok:
                        break
                if ok:
                    best = max(best, total - parent)
    return best


@pytest.mark.parametrize("shape, n_scores, min_samples_leaf", [
    ((4, 5, 3), 1, 1), ((5, 4, 4), 2, 3), ((3, 4, 3, 4), 1, 2), ((4, 2, 5), 1, 1)])
def test_tree_search_finds_the_best_chain_tree(shape, n_scores, min_samples_leaf):
    rng = np.random.default_rng(sum(shape) + n_scores)
    cells = int(np.prod(shape))
    grad = rng.normal(size=(cells, n_scores))
    hess = rng.uniform(0.2, 1.0, size=(cells, n_scores))
    counts = rng.integers(0, 4, size=cells).astype(np.float64)
    update = np.zeros((cells, n_scores))
    gain = tensor_term_update(grad, hess, counts, np.array(shape, dtype=np.int64), 1.0,
                              float(min_samples_leaf), 0.1, False, update, None)
    expected = _reference_gain(grad, hess, counts, shape, min_samples_leaf, 0.1)
    assert expected > 0
    assert gain == pytest.approx(expected, rel=1e-9)
    table = update.reshape(*shape, n_scores)
    real = sum(s - 1 >= 2 for s in shape)
    for axis in range(len(shape)):  # unseen bins get no update
        assert not np.moveaxis(table, axis, 0)[-1].any()
    assert len(np.unique(update[:, 0])) <= real + 2  # k + 1 leaves and the unseen zeros


# --- fitting -----------------------------------------------------------------------------------

def test_a_three_way_term_fits_what_mains_and_pairs_cannot(data, three_way):
    X, y = data
    pairs = ExplainableBoostingClassifier(interactions=[(0, 1), (0, 2), (1, 2)], **SMALL).fit(
        X[:2000], y[:2000])
    held_out = X[2000:], y[2000:]
    assert _log_loss(three_way, *held_out) < _log_loss(pairs, *held_out) - 0.1
    assert (three_way.predict(held_out[0]) == held_out[1]).mean() > 0.68


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_layout_and_accuracy_match_interpret(data, three_way):
    from interpret.glassbox import ExplainableBoostingClassifier as InterpretClassifier

    X, y = data
    reference = InterpretClassifier(interactions=[(2, 0, 1), (0, 3)], **SMALL).fit(
        X[:2000], y[:2000])
    # pairs before wider terms; a wider term keeps the order of its features
    assert [tuple(t) for t in three_way.term_features_] == \
        [tuple(t) for t in reference.term_features_] == [(0,), (1,), (2,), (3,), (0, 3),
                                                         (2, 0, 1)]
    # every axis of a term has the interaction bins of its feature, laid out as in the pair
    # (glassboost's tables hold two more bins per feature than InterpretML's, as for pairs)
    ours, theirs = three_way.term_scores_, reference.term_scores_
    extra = np.subtract(ours[4].shape, theirs[4].shape)
    assert ours[5].shape == (ours[4].shape[0],) * 3
    assert np.subtract(ours[5].shape, theirs[5].shape).tolist() == [extra[0]] * 3
    assert three_way.standard_deviations_[5].shape == ours[5].shape
    assert three_way.bagged_scores_[5].shape == (2, *ours[5].shape)
    assert three_way.bin_weights_[5].shape == ours[5].shape
    ours_accuracy = (three_way.predict(X[2000:]) == y[2000:]).mean()
    theirs_accuracy = (reference.predict(X[2000:]) == y[2000:]).mean()
    assert abs(ours_accuracy - theirs_accuracy) < 0.04


def test_multiclass_with_a_three_way_term():
    X, _ = _three_way(1500, seed=2)
    product = X.a * X.b * X.c
    y = np.digitize(product, [-0.3, 0.3])
    model = ExplainableBoostingClassifier(interactions=[(0, 1, 2)], **SMALL).fit(
        X[:1000], y[:1000])
    mains = ExplainableBoostingClassifier(interactions=0, **SMALL).fit(X[:1000], y[:1000])
    assert model.term_scores_[-1].shape == (10, 10, 10, 3)
    proba = model.predict_proba(X[1000:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    accuracy = (model.predict(X[1000:]) == y[1000:]).mean()
    assert accuracy > (mains.predict(X[1000:]) == y[1000:]).mean() + 0.1


def test_a_regressor_with_a_term_of_four_features():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(1200, 4))
    y = np.sign(X[:, 0] * X[:, 1] * X[:, 2] * X[:, 3]) + 0.2 * rng.normal(size=1200)
    model = ExplainableBoostingRegressor(interactions=[(3, 1, 0, 2)], outer_bags=1, n_jobs=1,
                                         max_interaction_bins=5, random_state=0).fit(
        X[:800], y[:800])
    assert model.term_features_[-1] == (3, 1, 0, 2)
    assert model.term_scores_[-1].shape == (7, 7, 7, 7)
    rmse = np.sqrt(np.mean((model.predict(X[800:]) - y[800:]) ** 2))
    assert rmse < 0.85 * np.std(y[800:])


def test_the_finished_term_is_pure_when_its_lower_terms_exist(data):
    X, y = data
    model = ExplainableBoostingClassifier(
        interactions=[(0, 1), (0, 2), (1, 2), (0, 1, 2)], **SMALL).fit(X[:1500], y[:1500])
    table, weights = model.term_scores_[-1], model.bin_weights_[-1]
    scale = np.abs(table).max()
    for axis in range(3):  # every weighted mean moved to a pair (and on to the mains)
        means = (weights * table).sum(axis=axis)
        assert np.abs(means).max() <= 1e-6 * scale * weights.sum()
    assert np.abs((weights * table).sum()) <= 1e-9 * scale * weights.sum()


def test_purify_tensor_keeps_the_sum():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(3, 4, 5, 2))
    weights = rng.uniform(0, 1, size=(3, 4, 5))
    weights[1] = 0.0  # a slice without weight
    pure, impurities = purify_tensor(table, weights)
    rebuilt = pure.copy()
    for axes, impurity in impurities.items():
        rebuilt += np.expand_dims(impurity, tuple(a for a in range(3) if a not in axes))
    np.testing.assert_allclose(rebuilt, table, atol=1e-12)
    for axis in range(3):
        assert np.abs((weights[..., None] * pure).sum(axis=axis)).max() < 1e-10


# --- the fitted model elsewhere --------------------------------------------------------------

def test_json_round_trip_onnx_and_explanations(data, three_way, tmp_path):
    X, _ = data
    rows = X[2000:2300]
    path = tmp_path / "model.json"
    three_way.to_json(path)
    loaded = glassboost.load(path)
    np.testing.assert_array_equal(loaded.decision_function(rows),
                                  three_way.decision_function(rows))
    term = three_way.explain_global().data(5)
    assert term["feature_names"] == ["c", "a", "b"]
    assert np.asarray(term["scores"]).ndim == 3
    assert len(term["axis_names"]) == 3
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    from glassboost.export.onnx import onnx_inputs, to_onnx

    session = ort.InferenceSession(to_onnx(three_way).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(None, onnx_inputs(three_way, rows))))
    np.testing.assert_allclose(out["decision_function"], three_way.decision_function(rows),
                               rtol=1e-9, atol=1e-9)


# --- bad input ---------------------------------------------------------------------------------

def test_a_term_whose_tensor_is_too_large_is_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] > 0).astype(int)
    names = ", ".join(f"'feature_000{i}'" for i in range(4))
    with pytest.raises(ValueError, match=rf"interactions: term \[{names}\] would "
                       r"have 66 x 66 x 66 x 66 = .* cells, more than the limit of "
                       + f"{MAX_TENSOR_CELLS:,}"):
        ExplainableBoostingClassifier(interactions=[(0, 1, 2, 3)], outer_bags=1).fit(X, y)


@pytest.mark.parametrize("interactions", [[(0, 1, 0)], [("feature_0000", "feature_0002", "feature_0000")]])
def test_a_term_repeating_a_feature_is_refused(interactions):
    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match=r"interactions: term .* repeats a feature"):
        ExplainableBoostingClassifier(interactions=interactions).fit(X, X[:, 0] > 0)


def test_a_term_given_twice_in_another_order_is_boosted_once():
    X, y = _three_way(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExplainableBoostingClassifier(interactions=[(0, 1, 2), (2, 1, 0)],
                                              outer_bags=1, max_rounds=20, n_jobs=1,
                                              max_interaction_bins=4).fit(X, y)
    assert model.term_features_[4:] == [(0, 1, 2)]
