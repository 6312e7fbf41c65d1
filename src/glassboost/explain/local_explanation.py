"""The local explanation: why the model scored each given row the way it did.

A row's score is exactly ``intercept + sum of its terms' contributions`` (the table values it looked
up), so the explanation is the model itself, not an approximation. Features whose value was missing,
or never seen in training (an *unseen* value, which scores 0), are counted and marked, since such a
row is explained by what the model does without the information.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..coverage import aligned_columns, coverage_of_columns
from ..schema import CONTINUOUS, without_decimal_nans
from .base import row_position
from .terms import checked_class_index, class_names, score_label
from .waterfall import Waterfall, build_waterfall


def _value_text(kind: str, column, row: int, unseen: bool) -> str:
    value = column.values[row]
    if kind != CONTINUOUS:
        text = "missing" if value is None else str(value)
    elif column.not_number is not None and column.not_number[row]:
        text = "not a number"
    else:
        text = "missing" if np.isnan(value) else f"{value:.6g}"
    return f"{text} (unseen)" if unseen else text


def _raw_value(column, row: int) -> Any:
    """The feature value a term looked up, as InterpretML gives it: the number (NaN when
    missing or not a number) or the category text (NaN when missing)."""
    value = column.values[row]
    return np.nan if value is None else value


def _probability(p: float) -> str:
    """``= 0.123``, or a bound when three decimals would round to 0 or 1."""
    if p < 0.001:
        return "< 0.001"
    return "> 0.999" if p > 0.999 else f"= {p:.3f}"


def _actual_values(y: Any) -> np.ndarray:
    """``y`` as one value per row: a single column (an (n, 1) array, a one-column frame) is
    flattened, as ``fit`` takes it. A Decimal NaN (quiet or signaling) is a missing value
    (None), as ``fit`` treats it; a signaling one could not even be compared with a class."""
    actual = np.asarray(y)
    if actual.ndim == 2 and actual.shape[1] == 1:
        actual = actual[:, 0]
    if actual.ndim != 1:
        raise ValueError(f"y must be one value per row, got shape {actual.shape}")
    if actual.dtype == object:
        actual = without_decimal_nans(pd.Series(actual, dtype=object)).to_numpy()
    return actual


def row_ids_of(X: Any, n_rows: int) -> list:
    """How explanations label the rows of ``X``: a frame's index, else positions."""
    return list(X.index) if isinstance(X, pd.DataFrame) else list(range(n_rows))


class LocalExplanation:
    """Per-row contributions of every term, with intercept, score, prediction and actual value.

    ``contributions`` is (rows, terms) or (rows, terms, classes); ``scores`` equals the model's
    ``decision_function``. Classifiers also carry ``probabilities``; ``predictions`` holds the
    predicted class (classifiers) or the predicted mean (regressors).

    ``init_score`` (InterpretML's meaning): every row's base score, per row or as a fitted
    model whose predictions through the link give it, added to the row's score before the
    link, so ``scores``, ``probabilities`` and ``predictions`` are those of
    ``decision_function(X, init_score)``; the terms' contributions and the intercept are the
    model's own. ``init_scores`` keeps the per-row base scores (None without), and the
    waterfall shows them as a bar of their own, so the bars still add up to the score.
    """

    def __init__(self, model: Any, X: Any, y: Any = None, name: str | None = None,
                 init_score: Any = None) -> None:
        self.name = name or f"{type(model).__name__} local explanation"
        self.term_names = [str(n) for n in model.term_names_]
        self.contributions = model.eval_terms(X)
        intercept = np.array(model.intercept_, dtype=np.float64).reshape(-1)  # a copy
        self.intercept = float(intercept[0]) if self.contributions.ndim == 2 else intercept
        self.scores = self.contributions.sum(axis=1) + self.intercept
        # a model given as init_score predicts once; its scores then travel as numbers
        self.init_scores = (None if init_score is None
                            else model._start_scores(init_score, X, self.scores))
        if self.init_scores is not None:
            self.scores = self.scores + self.init_scores
        self.is_classifier = hasattr(model, "classes_")
        self.classes = [str(c) for c in model.classes_] if self.is_classifier else None
        self._label_names = np.asarray(model.classes_).tolist() if self.is_classifier else None
        self.multiclass_names = class_names(model)
        if self.is_classifier:
            self.probabilities = model.predict_proba(X, init_score=self.init_scores)
            self.predictions = model.classes_[np.argmax(self.probabilities, axis=1)]
        else:
            self.probabilities = None
            self.predictions = np.asarray(model.predict(X, init_score=self.init_scores),
                                          dtype=np.float64)
        self.actual = None if y is None else _actual_values(y)
        if self.actual is not None and len(self.actual) != len(self.scores):
            raise ValueError(f"X has {len(self.scores)} rows but y has {len(self.actual)} values")
        self.row_ids = row_ids_of(X, len(self.scores))
        self._columns = aligned_columns(model, X)
        self.coverage = coverage_of_columns(model, self._columns)
        self.actual_class = self._actual_classes(model)
        self._feature_names = [str(n) for n in model.feature_names_in_]
        self._feature_types = list(model.feature_types_in_)
        self._term_features = [tuple(t) for t in model.term_features_]
        self.score_title = score_label(model)
        self.link = getattr(model, "link_", "identity")

    def __len__(self) -> int:
        return len(self.scores)

    def _row(self, key: Any) -> int:
        return row_position(key, len(self))

    def _actual_classes(self, model: Any) -> np.ndarray | None:
        """Per row, the position of the actual class in ``classes_`` (-1: not a class of the
        model); None for regressors or without actual values. Labels compare as values, so
        1 and 1.0 are the same class, as in ``predict``'s output."""
        if not self.is_classifier or self.actual is None:
            return None
        return pd.Index(np.asarray(model.classes_)).get_indexer(pd.Index(self.actual))

    def raw_values(self, row: int) -> list:
        """InterpretML's ``values`` of ``row``: each main effect's feature value, and ``""``
        for an interaction."""
        return [_raw_value(self._columns[features[0]], row) if len(features) == 1 else ""
                for features in self._term_features]

    def term_values(self, row: int) -> list[str]:
        """The feature values each term looked up for ``row``, as ``name = value`` text;
        unseen values are marked ``(unseen)``."""
        texts = [f"{name} = {_value_text(kind, column, row, unseen)}" for name, kind, column, unseen
                 in zip(self._feature_names, self._feature_types, self._columns,
                        self.coverage.unseen[row])]
        return [" & ".join(texts[f] for f in features) for features in self._term_features]

    def missing_features(self, row: int) -> list[str]:
        """Names of the features whose value is missing in ``row``."""
        return [n for n, m in zip(self._feature_names, self.coverage.missing[row]) if m]

    def unseen_features(self, row: int) -> list[str]:
        """Names of the features whose value in ``row`` was never seen in training (scored 0)."""
        return [n for n, u in zip(self._feature_names, self.coverage.unseen[row]) if u]

    def input_coverage(self) -> pd.DataFrame:
        """Per feature: rows, and how many hold a missing or an unseen value
        (see :func:`glassboost.coverage.input_coverage`)."""
        return self.coverage.table()

    def _flags(self, row: int) -> str:
        """One line naming the row's unseen and missing features, or empty."""
        parts = []
        if unseen := self.unseen_features(row):
            parts.append(f"unseen in training (scored 0): {', '.join(unseen)}")
        if missing := self.missing_features(row):
            parts.append(f"missing: {', '.join(missing)}")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]

    def _class_of(self, row: int, class_index: int | None) -> int:
        if class_index is not None:
            return class_index
        return int(np.argmax(self.probabilities[row]))

    def _perf(self, row: int) -> dict:
        """InterpretML's ``perf`` of ``row``: for classifiers the predicted class's index and
        probability and the actual class's index (NaN when not a class of the model or not
        given) and probability (0 when not a class); for regressors the prediction and the
        actual value; NaN where no actual value was given."""
        if not self.is_classifier:
            actual = np.nan if self.actual is None or self.actual[row] is None \
                else self.actual[row]
            return {"is_classification": False, "actual": actual,
                    "predicted": self.predictions[row], "actual_score": actual,
                    "predicted_score": self.predictions[row]}
        predicted = self._class_of(row, None)
        perf: dict[str, Any] = {"is_classification": True, "actual": np.nan,
                                "actual_score": np.nan, "predicted": predicted,
                                "predicted_score": float(self.probabilities[row][predicted])}
        if self.actual_class is not None:
            known = self.actual_class[row] >= 0
            perf["actual"] = int(self.actual_class[row]) if known else np.nan
            perf["actual_score"] = (float(self.probabilities[row][self.actual_class[row]])
                                    if known else 0.0)
        return perf

    def data(self, key: int | None = None) -> dict:
        """InterpretML's layout and values: a row number gives that row's term names,
        contributions, looked-up feature values (``""`` for interactions), intercept, ``perf``
        and, for classifiers, ``meta``.

        Added to InterpretML's: key None gives every row's contributions, ``missing`` and
        ``unseen`` (boolean, rows x features, in the order of ``feature_names``), ``coverage``
        (the counts per feature) and ``init_scores`` (InterpretML gives None); for one row,
        ``value_texts`` (every term's values as ``name = value`` text, as the waterfall labels
        them), ``missing_features`` and ``unseen_features``, and the row's ``init_score``
        after the intercept in ``extra``."""
        if key is None:
            return {"type": "local", "names": self.term_names, "scores": self.contributions,
                    "intercept": self.intercept, "init_scores": self.init_scores,
                    "decision_scores": self.scores,
                    "predictions": self.predictions, "probabilities": self.probabilities,
                    "actual": self.actual, "row_ids": self.row_ids,
                    "feature_names": list(self._feature_names),
                    "missing": self.coverage.missing, "unseen": self.coverage.unseen,
                    "coverage": self.input_coverage()}
        row = self._row(key)
        extra = {"names": ["Intercept"], "scores": [self.intercept], "values": [1]}
        if self.init_scores is not None:
            extra = {"names": ["Intercept", "init_score"],
                     "scores": [self.intercept, self.init_scores[row]], "values": [1, 1]}
        one = {"type": "univariate", "row_id": self.row_ids[row], "names": self.term_names,
               "scores": self.contributions[row], "values": self.raw_values(row),
               "value_texts": self.term_values(row), "extra": extra,
               "decision_score": self.scores[row], "perf": self._perf(row),
               "missing_features": self.missing_features(row),
               "unseen_features": self.unseen_features(row)}
        if self.is_classifier:
            one["meta"] = {"label_names": self._label_names}
        return one

    def _title(self, row: int) -> str:
        actual = "" if self.actual is None else f", actual {self.actual[row]}"
        predicted = (self.predictions[row] if self.is_classifier
                     else f"{self.predictions[row]:.4g}")
        return f"Row {self.row_ids[row]}: predicted {predicted}{actual}"

    def _note(self, row: int, k: int | None) -> str:
        """What the explained score means in the target's terms."""
        if self.is_classifier:
            positive = 1 if k is None else k
            return f"P({self.classes[positive]}) {_probability(self.probabilities[row][positive])}"
        if self.link == "identity":
            return ""
        return f"prediction {self.predictions[row]:.4g}"

    def waterfall(self, row: int = 0, class_index: int | None = None,
                  max_terms: int = 12) -> Waterfall:
        """The bars of one row's waterfall; multiclass rows explain ``class_index`` (default:
        the predicted class)."""
        row = self._row(row)
        if self.link == "monoclassification":
            raise ValueError(
                f"a one-class model (link 'monoclassification') has no waterfall: every row "
                f"scores -inf, the log-odds of any other class, and is class {self.classes[0]!r} "
                f"with probability 1; data(row) gives the row's values")
        class_index = checked_class_index(self.multiclass_names, class_index)
        contributions, intercept = self.contributions[row], self.intercept
        labels = self.term_values(row)
        k = None
        axis_title = self.score_title
        if self.multiclass_names is not None:
            k = self._class_of(row, class_index)
            contributions, intercept = contributions[:, k], float(intercept[k])
            axis_title = f"Score of class {self.classes[k]} (log-odds, relative)"
        if self.init_scores is not None:
            start = self.init_scores[row] if k is None else self.init_scores[row][k]
            contributions = np.append(contributions, start)
            labels = labels + ["init_score (base scores)"]
        return build_waterfall(self._title(row), labels, contributions, intercept,
                               axis_title, self._note(row, k), max_terms, self._flags(row))

    def figure(self, row: int = 0, class_index: int | None = None, max_terms: int = 12):
        """Interactive Plotly waterfall of one row."""
        from .figures import waterfall_figure

        return waterfall_figure(self.waterfall(row, class_index, max_terms))

    def visualize(self, key: int | None = None):
        """InterpretML's interface: the waterfall of row ``key`` (the first row for None)."""
        return self.figure(0 if key is None else int(key))

    def plot(self, row: int = 0, path: str | Path | None = None, class_index: int | None = None,
             max_terms: int = 12):
        """Static matplotlib waterfall of one row, saved to ``path`` when given."""
        from . import static

        return static.save(static.waterfall_plot(self.waterfall(row, class_index, max_terms)),
                           path)

    def _repr_html_(self) -> str:
        from . import static

        def cells(r: int) -> str:
            predicted = self.predictions[r] if self.is_classifier else f"{self.predictions[r]:.4g}"
            actual = "" if self.actual is None else self.actual[r]
            return "".join(f"<td>{html.escape(str(v))}</td>"
                           for v in (self.row_ids[r], predicted, actual))

        rows = "".join(f"<tr>{cells(r)}</tr>" for r in range(min(len(self), 10)))
        table = f"<table><tr><th>row</th><th>prediction</th><th>actual</th></tr>{rows}</table>"
        svg = static.svg_markup(self.plot(0))
        counts = self.input_coverage()
        flagged = [f"{html.escape(f)}: {m} missing, {u} unseen" for f, m, u
                   in zip(counts["feature"], counts["missing"], counts["unseen"]) if m or u]
        coverage = f"<p>{'; '.join(flagged)}.</p>" if flagged else ""
        return (f"<div><h4>{html.escape(self.name)}</h4>{table}{svg}{coverage}<p>{len(self)} "
                "rows; use <code>.figure(row)</code> for an interactive waterfall.</p></div>")
