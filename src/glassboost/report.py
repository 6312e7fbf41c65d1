"""The offline HTML report: one file that shows the whole model and how it does on given data.

It holds a summary with metrics (held-out next to training metrics when the training data is
given), the missing and unseen values of the given data, the term importances, every main effect's
plot, the heat maps of the important interactions (a higher-order term's as slices) and a list of
the others, a searchable table of terms and the explanations of a few telling rows. plotly.js is
inlined, so the file opens without a network connection. The sections are built in :mod:`glassboost.explain.sections`.
"""

from __future__ import annotations

import numbers
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from .explain import explain_global, explain_local
from .explain import sections
from .explain.examples import check_count
from .explain.page import page, plot_div

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "toImageButtonOptions": {"format": "png", "scale": 2}}
#: Interactions below this share of the largest term importance are listed instead of drawn.
MIN_PAIR_SHARE = 0.05


class _Figures:
    """Turns figures into HTML snippets with stable, numbered div ids."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, figure) -> str:
        self.count += 1
        return figure.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                              div_id=f"gb-figure-{self.count}")


def _checked_train(train: Any) -> tuple | None:
    """``train`` as an ``(X_train, y_train)`` pair of equal lengths, or None."""
    if train is None:
        return None
    if not isinstance(train, (tuple, list)) or len(train) != 2:
        raise ValueError("train must be a pair (X_train, y_train) of the data the model was "
                         f"fitted on, got {type(train).__name__}")
    X_train, y_train = train
    if y_train is None:
        raise ValueError("train=(X_train, y_train): y_train is None; training metrics need the "
                         "training targets")
    y_train = np.asarray(y_train)
    if len(X_train) != len(y_train):
        raise ValueError(f"train=(X_train, y_train): X_train has {len(X_train)} rows but "
                         f"y_train has {len(y_train)} values")
    return X_train, y_train


def report(model: Any, X: Any, y: Any, path: str | Path, title: str | None = None,
           examples: int = 3, train: tuple | None = None,
           min_pair_share: float = MIN_PAIR_SHARE) -> Path:
    """Write a self-contained HTML report of ``model`` evaluated on ``X``, ``y`` to ``path``.

    ``y`` may be None (no metrics then). ``train=(X_train, y_train)``, the data the model was
    fitted on, adds training metrics next to the metrics on ``X``, which are then labelled as
    held out. The report counts the missing and unseen values of ``X`` per feature and warns
    about unseen ones. Interactions (of any order) whose importance is below ``min_pair_share``
    of the largest term's are listed instead of drawn; a term of three or more features is drawn
    as heat maps of its first two features, one per slice of the later ones, or listed with the
    reason when it has too many slices. ``examples`` (a non-negative integer) rows are explained
    for each of: the largest errors, and the most confident (classifiers) or most accurate
    (regressors) predictions. Returns the path written.
    """
    from plotly.offline import get_plotlyjs

    from . import __version__

    train = _checked_train(train)
    examples = check_count(examples, "examples")
    if (isinstance(min_pair_share, bool) or not isinstance(min_pair_share, numbers.Real)
            or not 0 <= min_pair_share <= 1):
        raise ValueError(f"min_pair_share must be a share in [0, 1], got {min_pair_share!r}")
    glob = explain_global(model)
    local = explain_local(model, X, y)
    figures = _Figures()
    title = title or f"{type(model).__name__} report"
    body = "".join([
        f"<h1>{escape(title)}</h1><p class=\"gb-sub\">glassboost {__version__}: every term "
        "of the model, its importance, and single rows explained.</p>",
        sections.navigation(any(t.is_interaction for t in glob.terms)),
        sections.summary(model, local, glob, train),
        sections.coverage(local, glob),
        "<section id=\"importance\"><h2>Term importance</h2>",
        plot_div(figures.html(glob.importance_figure()), "gb-plot",
                 term=sections.IMPORTANCE_KEY),
        "</section>",
        sections.term_table(glob),
        sections.term_plots(glob, figures.html, min_pair_share),
        sections.examples(local, figures.html, examples),
    ])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(title, get_plotlyjs(), body), encoding="utf-8")
    return path
