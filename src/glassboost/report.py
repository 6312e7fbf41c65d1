"""The offline HTML report: one file that shows the whole model and how it does on given data.

It holds a summary with metrics, the term importances, every term's plot, a searchable table of
terms and the explanations of a few telling rows. plotly.js is inlined, so the file opens without
a network connection.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from .explain import GlobalExplanation, LocalExplanation, explain_global, explain_local
from .explain.examples import pick_examples
from .explain.page import Raw, page, plot_div, table

IMPORTANCE_KEY = "__importance__"
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "toImageButtonOptions": {"format": "png", "scale": 2}}


class _Figures:
    """Turns figures into HTML snippets with stable, numbered div ids."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, figure) -> str:
        self.count += 1
        return figure.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                              div_id=f"gb-figure-{self.count}")


def _task(model: Any, local: LocalExplanation) -> str:
    if not local.is_classifier:
        return f"regression ({getattr(model, 'objective_', 'squared error')})"
    return "binary classification" if len(local.classes) == 2 else "multiclass classification"


def _summary(model: Any, local: LocalExplanation, glob: GlobalExplanation,
             train: tuple | None) -> str:
    n_pairs = sum(t.is_pair for t in glob.terms)
    facts = [("Model", type(model).__name__), ("Task", _task(model, local))]
    if local.is_classifier:
        facts.append(("Classes", ", ".join(local.classes)))
        if len(local.classes) == 2:
            facts.append(("Scores are log-odds of", local.classes[1]))
    facts += [
        ("Rows in the given data", f"{len(local):,}"),
        ("Features", str(len(model.feature_names_in_))),
        ("Terms", f"{len(glob.terms) - n_pairs} main effects, {n_pairs} interactions"),
        ("Intercept", np.array2string(np.asarray(local.intercept), precision=4)),
    ]
    return ("<section id=\"summary\"><h2>Summary</h2>" + table(facts, ["", ""])
            + _metrics(model, local, train) + "</section>")


def _metrics(model: Any, local: LocalExplanation, train: tuple | None) -> str:
    """The metrics on the given data, next to the training metrics when ``train`` is given."""
    from .explain.metrics import metrics_of, model_metrics  # sklearn.metrics is slow to import

    if local.actual is None:
        return "<p>No target values were given, so there are no metrics.</p>"
    given = model_metrics(model, local.actual, local.probabilities, local.predictions)
    if train is None:
        rows = [(name, f"{value:.4f}") for name, value in given.items()]
        return ("<h3>Metrics on the given data</h3>"
                + table(rows, ["Metric", f"Given data ({len(local):,} rows)"], numeric=[1]))
    X_train, y_train = train
    trained = metrics_of(model, X_train, y_train)
    rows = [(name, f"{value:.4f}", f"{trained[name]:.4f}") for name, value in given.items()]
    header = ["Metric", f"Held out: the given data ({len(local):,} rows)",
              f"Training data ({len(y_train):,} rows the model was fitted on)"]
    return ("<h3>Metrics: held-out data and training data</h3>"
            "<p>Training metrics are optimistic: the model has seen those rows. The held-out "
            "metrics are the ones to expect on new data.</p>"
            + table(rows, header, numeric=[1, 2]))


def _term_table(glob: GlobalExplanation) -> str:
    order = np.argsort(-glob.importances, kind="stable")
    rows, attributes = [], []
    for rank, t in enumerate(order, start=1):
        term = glob.terms[t]
        kind = "interaction" if term.is_pair else term.axes[0].kind
        link = Raw(f'<a href="#term-{term.index}">{escape(term.name)}</a>')
        rows.append((rank, link, kind, f"{term.importance:.4f}"))
        attributes.append(f' data-name="{escape(term.name.lower())}"')
    return ("<section id=\"terms\"><h2>Terms</h2>"
            "<input id=\"gb-filter\" type=\"search\" placeholder=\"Filter terms by name\" "
            "aria-label=\"Filter terms by name\">"
            + table(rows, ["Rank", "Term", "Kind", "Importance"], numeric=[0, 3],
                    row_attributes=attributes, attributes=' id="gb-terms"')
            + "</section>")


def _term_plots(glob: GlobalExplanation, figures: _Figures) -> str:
    order = np.argsort(-glob.importances, kind="stable")
    parts = {False: [], True: []}
    for t in order:
        term = glob.terms[t]
        parts[term.is_pair].append(plot_div(figures.html(glob.figure(term.index)), "gb-plot",
                                            element_id=f"term-{term.index}", term=term.name))
    sections = "<section id=\"mains\"><h2>Main effects</h2>" + "".join(parts[False])
    sections += "</section>"
    if parts[True]:
        sections += ("<section id=\"pairs\"><h2>Interactions</h2>" + "".join(parts[True])
                     + "</section>")
    return sections


def _examples(local: LocalExplanation, figures: _Figures, count: int) -> str:
    html = ["<section id=\"rows\"><h2>Single rows explained</h2>"
            "<p>Each chart starts at the intercept and adds every term's contribution, largest "
            "first, up to the row's score.</p>"]
    for reason, rows in pick_examples(local, count).items():
        html.append(f"<h3>{escape(reason)}</h3>")
        html += [plot_div(figures.html(local.figure(r)), "gb-local", row=local.row_ids[r],
                          reason=reason) for r in rows]
    return "".join(html) + "</section>"


def _navigation(has_pairs: bool) -> str:
    sections = [("summary", "Summary"), ("importance", "Importance"), ("terms", "Terms"),
                ("mains", "Main effects")] + ([("pairs", "Interactions")] if has_pairs else [])
    links = "".join(f'<a href="#{anchor}">{label}</a>'
                    for anchor, label in sections + [("rows", "Single rows")])
    return f"<nav>{links}</nav>"


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
           examples: int = 3, train: tuple | None = None) -> Path:
    """Write a self-contained HTML report of ``model`` evaluated on ``X``, ``y`` to ``path``.

    ``y`` may be None (no metrics then). ``train=(X_train, y_train)``, the data the model was
    fitted on, adds training metrics next to the metrics on ``X``, which are then labelled as
    held out. ``examples`` rows are explained for each of: the largest errors, and the most
    confident (classifiers) or most accurate (regressors) predictions. Returns the path written.
    """
    from plotly.offline import get_plotlyjs

    from . import __version__

    train = _checked_train(train)
    glob = explain_global(model)
    local = explain_local(model, X, y)
    figures = _Figures()
    title = title or f"{type(model).__name__} report"
    body = "".join([
        f"<h1>{escape(title)}</h1><p class=\"gb-sub\">glassboost {__version__}: every term "
        "of the model, its importance, and single rows explained.</p>",
        _navigation(any(t.is_pair for t in glob.terms)),
        _summary(model, local, glob, train),
        "<section id=\"importance\"><h2>Term importance</h2>",
        plot_div(figures.html(glob.importance_figure()), "gb-plot", term=IMPORTANCE_KEY),
        "</section>",
        _term_table(glob),
        _term_plots(glob, figures),
        _examples(local, figures, examples),
    ])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(title, get_plotlyjs(), body), encoding="utf-8")
    return path
