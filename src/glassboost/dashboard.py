"""``glassboost.dashboard``: several models (glassboost EBMs and any other) on one labelled data
set, side by side on one offline HTML page: performance curves, global importances,
per-feature shapes and the same rows explained by each model.

What each model shows: an EBM its own explanations (term importances, terms, local
contributions); any other model black-box views of it (permutation importance, partial
dependence, permutation SHAP). The page is the report's page shell with rows of
:func:`~glassboost.blackbox.side_by_side.panel_row`, one column per model.
"""

from __future__ import annotations

import numbers
from html import escape
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .blackbox.prediction import ModelFunction, target
from .blackbox.side_by_side import offline_page, panel_row
from .datetimes import source_columns
from .schema import to_dataframe

#: Rows of the data used for partial dependence curves and as SHAP's background.
SAMPLE_ROWS = 200
BACKGROUND_ROWS = 50


def _is_ebm(model: Any) -> bool:
    return hasattr(model, "term_features_") and hasattr(model, "explain_global")


def _section(title: str, rows: list[str]) -> str:
    return f"<h2>{escape(title)}</h2>" + "".join(rows)


def _note(text: str) -> str:
    return f'<p class="gb-warning">{escape(text)}</p>'


def _main_terms(model: Any) -> list[str]:
    """The names of the EBM's one-feature terms, the ones a shape panel can draw."""
    return [str(model.term_names_[t]) for t, features in enumerate(model.term_features_)
            if len(features) == 1]


def _default_features(models: Mapping[str, Any], frame: pd.DataFrame, count: int) -> list[str]:
    """The first EBM's most important main effects that every EBM has (each EBM's panel
    draws its own term), else the data's first columns."""
    ebms = [model for model in models.values() if _is_ebm(model)]
    if not ebms:
        return [str(c) for c in frame.columns[:count]]
    shared = set.intersection(*(set(_main_terms(model)) for model in ebms))
    first = ebms[0]
    importances = first.term_importances()
    mains = [(importances[t], str(name)) for t, name in enumerate(first.term_names_)
             if name in shared]
    return [name for _, name in sorted(mains, key=lambda m: -m[0])[:count]]


def _date_sources(models: Mapping[str, Any]) -> dict[str, str]:
    """Each EBM's date-derived feature (e.g. ``when:month``) and the column of X it comes
    from: the other models' views of such a feature look at that column."""
    return {name: column for model in models.values() if _is_ebm(model)
            for name, column in source_columns(getattr(model, "datetime_conversions_", None))
            .items()}


def _check_features(features: list[str], models: Mapping[str, Any], columns: pd.Index,
                    sources: Mapping[str, str]) -> None:
    """Every feature must be a column of X or a date feature derived from one, and a main
    effect of every EBM, whose panel draws that term."""
    unknown = [f for f in features if f not in columns and f not in sources]
    if unknown:
        raise ValueError(f"features not in X: {unknown}; give columns of X or an EBM's "
                         "date features such as 'column:month'")
    for name, model in models.items():
        if not _is_ebm(model):
            continue
        mains = _main_terms(model)
        missing = [f for f in features if f not in mains]
        if missing:
            raise ValueError(f"features {missing} are not main terms of the EBM {name!r}, "
                             f"whose main terms are {mains}")


def _shape_keys(feature: str, models: Mapping[str, Any], columns: pd.Index,
                sources: Mapping[str, str]) -> list[str]:
    """Per model, what its shape panel of ``feature`` looks up: an EBM its term, any other
    model the column of X (a date feature's source column)."""
    column = feature if feature in columns else sources[feature]
    return [feature if _is_ebm(model) else column for model in models.values()]


def _checked_rows(rows: Any, n_rows: int) -> list[int]:
    """``rows`` as a list of integer positions in X, or a ValueError naming ``rows``."""
    if isinstance(rows, (str, bytes)) or not isinstance(
            rows, (Sequence, np.ndarray, pd.Index, pd.Series)):
        raise ValueError(f"rows must be a list of row positions in X, e.g. [0, 1], got "
                         f"{rows!r}")
    not_integers = [r for r in rows
                    if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Integral)]
    if not_integers:
        raise ValueError(f"rows must be integer positions in X, got {not_integers}")
    bad_rows = [int(r) for r in rows if not 0 <= r < n_rows]
    if bad_rows:
        raise ValueError(f"rows must be positions in X (0 to {n_rows - 1}), got {bad_rows}")
    return [int(r) for r in rows]


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
    functions = [ModelFunction(m) for m in models.values()]
    no_probability = [n for n, f in zip(names, functions)
                      if f.classes is not None and not f.is_probability]
    if no_probability:
        raise ValueError(f"the classifiers {no_probability} have no predict_proba; the "
                         "dashboard compares binary classifiers by their probabilities")
    probabilities = [f.is_probability for f in functions]
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
    partial dependence; a feature an EBM derived from a date column, such as ``when:month``,
    is that column's partial dependence for the other models); and the rows ``rows`` (a list
    of positions in ``X``) explained by every model (an EBM's contributions, permutation SHAP
    of the others, which takes numeric columns only). The columns of an array ``X`` are named
    as an EBM names them: ``feature_0000``, ``feature_0001``, ... ``random_state`` seeds what
    is drawn at random: the rows sampled for partial dependence and SHAP's background, the
    shuffles of permutation importance and the orders of permutation SHAP. Returns the page and
    writes it to ``path`` when given.
    """
    from .blackbox import PartialDependence, PermutationImportance, ShapPermutation

    _check_models(models)
    views = _performance_views(models)
    frame = to_dataframe(X)
    y = target(y, len(frame))
    if isinstance(features, str):
        raise ValueError(f"features must be a list of feature names, e.g. [{features!r}], "
                         f"got the string {features!r}")
    features = list(features) if features is not None else _default_features(models, frame, 3)
    sources = _date_sources(models)
    _check_features(features, models, frame.columns, sources)
    rows = _checked_rows(rows, len(frame))
    rng = np.random.default_rng(random_state)
    sample = frame.iloc[np.sort(rng.choice(len(frame), min(SAMPLE_ROWS, len(frame)),
                                           replace=False))]
    explained = frame.iloc[rows]

    importances, shapes, locals_ = [], [], []
    notes = []
    for name, model in models.items():
        if _is_ebm(model):
            own = model.explain_global(name)
            importances.append(own)
            shapes.append(own)
            locals_.append(model.explain_local(explained, y[rows], name))
            continue
        importances.append(PermutationImportance(model, random_state=random_state)
                           .explain_global(frame, y, name=f"{name}: permutation importance"))
        shapes.append(PartialDependence(model, sample[frame.columns]).explain_global(
            f"{name}: partial dependence"))
        try:
            background = sample.iloc[:BACKGROUND_ROWS]
            locals_.append(ShapPermutation(model, background, seed=random_state).explain_local(
                explained, y[rows], f"{name}: permutation SHAP"))
        except ValueError as error:
            notes.append(f"{name}: rows not explained ({error})")
    sections = [f"<h1>{escape(title)}</h1>"
                f"<p class=\"gb-sub\">{len(frame)} rows; models: "
                f"{escape(', '.join(models))}</p>",
                _section("Performance", _performance(models, views, frame, y)),
                _section("Global importance", [panel_row(importances, None, "gb-importance",
                                                         section="importance")]),
                _section("Feature shapes", [panel_row(shapes,
                                                      _shape_keys(feature, models,
                                                                  frame.columns, sources),
                                                      f"gb-shape-{k}", section="shape")
                                            for k, feature in enumerate(features)])]
    row_panels = [panel_row(locals_, i, f"gb-row-{i}", section="row")
                  for i in range(len(rows))] if locals_ else []
    sections.append(_section("Explained rows", row_panels + [_note(n) for n in notes]))
    return offline_page(title, "".join(sections), path)
