"""``glassboost.dashboard``: several models (glassboost EBMs and any other) on one labelled data
set, side by side on one offline HTML page: performance curves, global importances,
per-feature shapes and the same rows explained by each model.

What each model shows: an EBM its own explanations (term importances, terms, local
contributions); any other model black-box views of it (permutation importance, partial
dependence, permutation SHAP). The page is the report's page shell with rows of
:func:`~glassboost.blackbox.side_by_side.panel_row`, one column per model.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .blackbox.prediction import ModelFunction, target
from .blackbox.side_by_side import offline_page, panel_row

#: Rows of the data used for partial dependence curves and as SHAP's background.
SAMPLE_ROWS = 200
BACKGROUND_ROWS = 50


def _is_ebm(model: Any) -> bool:
    return hasattr(model, "term_features_") and hasattr(model, "explain_global")


def _section(title: str, rows: list[str]) -> str:
    return f"<h2>{escape(title)}</h2>" + "".join(rows)


def _note(text: str) -> str:
    return f'<p class="gb-warning">{escape(text)}</p>'


def _default_features(models: Mapping[str, Any], frame: pd.DataFrame, count: int) -> list[str]:
    """The first EBM's most important main effects, else the data's first columns."""
    for model in models.values():
        if _is_ebm(model):
            importances = model.term_importances()
            mains = [(importances[t], model.term_names_[t])
                     for t, features in enumerate(model.term_features_) if len(features) == 1]
            return [name for _, name in sorted(mains, key=lambda m: -m[0])[:count]]
    return [str(c) for c in frame.columns[:count]]


def _check_models(models: Any) -> None:
    """Refuses anything but a non-empty {name: model} mapping: the names label every panel,
    so a bare sequence of models is not guessed at."""
    if not isinstance(models, Mapping):
        raise TypeError(f"models must be a mapping {{name: fitted model}}, e.g. "
                        f"{{'ebm': ebm}}, not {type(models).__name__}; the names label the "
                        "dashboard's columns")
    if not models:
        raise ValueError("models is empty; give at least one {name: fitted model}")


def _performance_views(models: Mapping[str, Any]) -> tuple:
    """ROC, PR and calibration for binary classifiers, residuals for regressors; an error for
    a mix."""
    from .perf import PR, ROC, Calibration, RegressionPerf

    names = list(models)
    probabilities = [ModelFunction(m).is_probability for m in models.values()]
    if all(probabilities):
        return ROC, PR, Calibration
    if not any(probabilities):
        return (RegressionPerf,)
    raise ValueError(f"the models must be all binary classifiers or all regressors; "
                     f"classifiers: {[n for n, p in zip(names, probabilities) if p]}")


def _performance(models: Mapping[str, Any], views: tuple, frame: pd.DataFrame,
                 y: np.ndarray) -> list[str]:
    return [panel_row([view(m).explain_perf(frame, y, f"{name}: {view.__name__}")
                       for name, m in models.items()], None, f"gb-perf-{view.__name__}",
                      section="performance") for view in views]


def dashboard(models: Mapping[str, Any], X: Any, y: Any, path: str | Path | None = None,
              features: Sequence[str] | None = None, rows: Sequence[int] = (0, 1),
              title: str = "Model dashboard", random_state: int = 0) -> str:
    """One offline HTML page comparing ``models`` ({name: fitted model}) on ``X`` and ``y``.

    Sections: performance (ROC, precision-recall and calibration for binary classifiers,
    residuals for regressors); global importance; the shape of each of ``features`` (default:
    the first EBM's three most important features; an EBM's term next to the other models'
    partial dependence); and the rows ``rows`` (positions in ``X``) explained by every model
    (an EBM's contributions, permutation SHAP of the others, which takes numeric columns
    only). Returns the page and writes it to ``path`` when given.
    """
    from .blackbox import PartialDependence, PermutationImportance, ShapPermutation

    _check_models(models)
    views = _performance_views(models)
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(
        np.asarray(X), columns=[f"feature_{i}" for i in range(np.shape(X)[1])])
    y = target(y, len(frame))
    features = list(features) if features is not None else _default_features(models, frame, 3)
    unknown = [f for f in features if f not in frame.columns]
    if unknown:
        raise ValueError(f"features not in X: {unknown}")
    bad_rows = [r for r in rows if not 0 <= r < len(frame)]
    if bad_rows:
        raise ValueError(f"rows must be positions in X (0 to {len(frame) - 1}), got {bad_rows}")
    rng = np.random.default_rng(random_state)
    sample = frame.iloc[np.sort(rng.choice(len(frame), min(SAMPLE_ROWS, len(frame)),
                                           replace=False))]
    explained = frame.iloc[list(rows)]

    importances, shapes, locals_ = [], [], []
    notes = []
    for name, model in models.items():
        if _is_ebm(model):
            own = model.explain_global(name)
            importances.append(own)
            shapes.append(own)
            locals_.append(model.explain_local(explained, y[list(rows)], name))
            continue
        importances.append(PermutationImportance(model, random_state=random_state)
                           .explain_global(frame, y, name=f"{name}: permutation importance"))
        shapes.append(PartialDependence(model, sample[frame.columns]).explain_global(
            f"{name}: partial dependence"))
        try:
            background = sample.iloc[:BACKGROUND_ROWS]
            locals_.append(ShapPermutation(model, background).explain_local(
                explained, y[list(rows)], f"{name}: permutation SHAP"))
        except ValueError as error:
            notes.append(f"{name}: rows not explained ({error})")
    sections = [f"<h1>{escape(title)}</h1>"
                f"<p class=\"gb-sub\">{len(frame)} rows; models: "
                f"{escape(', '.join(models))}</p>",
                _section("Performance", _performance(models, views, frame, y)),
                _section("Global importance", [panel_row(importances, None, "gb-importance",
                                                         section="importance")]),
                _section("Feature shapes", [panel_row(shapes, feature, f"gb-shape-{k}",
                                                      section="shape")
                                            for k, feature in enumerate(features)])]
    row_panels = [panel_row(locals_, i, f"gb-row-{i}", section="row")
                  for i in range(len(rows))] if locals_ else []
    sections.append(_section("Explained rows", row_panels + [_note(n) for n in notes]))
    return offline_page(title, "".join(sections), path)
