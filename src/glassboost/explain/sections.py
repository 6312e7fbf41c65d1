"""The sections of the offline HTML report, each a function from explanations to HTML.

Pairs whose importance is below a share of the largest term's importance are listed (name,
importance) instead of drawn: a heat map of a term that hardly moves any score costs half a screen
and tells nothing, and models with dozens of weak pairs made pages 20,000-40,000 px tall.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable

import numpy as np

from .examples import pick_examples
from .global_explanation import GlobalExplanation
from .local_explanation import LocalExplanation
from .page import Raw, plot_div, table

IMPORTANCE_KEY = "__importance__"
#: Terms of a row's waterfall in the report; the rest share one bar.
REPORT_WATERFALL_TERMS = 8


def _task(model: Any, local: LocalExplanation) -> str:
    if not local.is_classifier:
        return f"regression ({getattr(model, 'objective_', 'squared error')})"
    return "binary classification" if len(local.classes) == 2 else "multiclass classification"


def intercept_text(local: LocalExplanation) -> str:
    """The intercept as text: one number, or ``class: number`` per class."""
    values = np.atleast_1d(np.asarray(local.intercept, dtype=np.float64))
    if local.multiclass_names is None:
        return f"{values[0]:.4f}"
    return ", ".join(f"{name}: {value:.4f}" for name, value in zip(local.classes, values))


def summary(model: Any, local: LocalExplanation, glob: GlobalExplanation,
            train: tuple | None) -> str:
    """Facts about the model and its metrics on the given (and the training) data."""
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
        ("Intercept" + (" per class" if local.multiclass_names else ""), intercept_text(local)),
    ]
    return ("<section id=\"summary\"><h2>Summary</h2>" + table(facts, ["", ""])
            + _metrics(model, local, train) + "</section>")


def _metrics(model: Any, local: LocalExplanation, train: tuple | None) -> str:
    """The metrics on the given data, next to the training metrics when ``train`` is given."""
    from .metrics import metrics_of, model_metrics  # sklearn.metrics is slow to import

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


def _never_missing_in_training(glob: GlobalExplanation) -> set[str]:
    """Features whose main effect had no training weight in its missing bin."""
    return {t.axes[0].feature for t in glob.terms if not t.is_pair and t.weights[0] == 0}


def coverage(local: LocalExplanation, glob: GlobalExplanation) -> str:
    """Per feature, the given data's missing and unseen counts, with a warning when values
    score 0 because training never saw them."""
    counts = local.input_coverage()
    n_rows = len(local)
    flagged = counts[(counts["missing"] > 0) | (counts["unseen"] > 0)]
    html = ["<section id=\"coverage\"><h2>Missing and unseen values</h2>"]
    unseen = [f"{escape(f)} ({u:,} rows)" for f, u in zip(counts["feature"], counts["unseen"])
              if u]
    fresh = _never_missing_in_training(glob)
    new_missing = [f"{escape(f)} ({m:,} rows)" for f, m in zip(counts["feature"],
                                                                 counts["missing"])
                   if m and f in fresh]
    if unseen:
        html.append("<p class=\"gb-warning\"><b>Warning:</b> values never seen in training "
                    f"(unseen) in {len(unseen)} feature{'s' * (len(unseen) > 1)}: "
                    f"{', '.join(unseen)}. An unseen value scores 0, so its term adds nothing "
                    "to the row's score. Look for new categories, misspellings or text in "
                    "number columns.</p>")
    if new_missing:
        html.append("<p class=\"gb-warning\"><b>Warning:</b> missing values in features that "
                    f"had none in training: {', '.join(new_missing)}. They score 0 as well.</p>")
    if len(flagged) == 0:
        html.append(f"<p>No feature has missing or unseen values in the given data "
                    f"({n_rows:,} rows).</p>")
    else:
        rows = [(f, kind, f"{m:,}", f"{m / n_rows:.1%}", f"{u:,}", f"{u / n_rows:.1%}")
                for f, kind, m, u in zip(flagged["feature"], flagged["type"],
                                         flagged["missing"], flagged["unseen"])]
        html.append(table(rows, ["Feature", "Type", "Missing", "Missing share", "Unseen",
                                 "Unseen share"], numeric=[2, 3, 4, 5],
                          attributes=' id="gb-coverage"'))
        rest = len(counts) - len(flagged)
        if rest:
            html.append(f"<p>The other {rest} feature{'s' * (rest > 1)} have no missing or "
                        f"unseen values in the given data ({n_rows:,} rows).</p>")
    return "".join(html) + "</section>"


def term_table(glob: GlobalExplanation) -> str:
    """Every term ranked by importance, filterable by name, folded away by default."""
    order = np.argsort(-glob.importances, kind="stable")
    rows, attributes = [], []
    for rank, t in enumerate(order, start=1):
        term = glob.terms[t]
        kind = "interaction" if term.is_pair else term.axes[0].kind
        link = Raw(f'<a href="#term-{term.index}">{escape(term.name)}</a>')
        rows.append((rank, link, kind, f"{term.importance:.4f}"))
        attributes.append(f' data-name="{escape(term.name.lower())}"')
    return ("<section id=\"terms\"><h2>Terms</h2>"
            f"<details><summary>All {len(glob.terms)} terms ranked by importance</summary>"
            "<input id=\"gb-filter\" type=\"search\" placeholder=\"Filter terms by name\" "
            "aria-label=\"Filter terms by name\">"
            + table(rows, ["Rank", "Term", "Kind", "Importance"], numeric=[0, 3],
                    row_attributes=attributes, attributes=' id="gb-terms"')
            + "</details></section>")


def drawn_pairs(glob: GlobalExplanation, min_pair_share: float) -> set[int]:
    """Indices of the pairs important enough for a heat map: at least ``min_pair_share`` of the
    largest term importance."""
    largest = float(glob.importances.max()) if len(glob.terms) else 0.0
    return {t.index for t in glob.terms
            if t.is_pair and t.importance >= min_pair_share * largest and t.importance > 0}


def term_plots(glob: GlobalExplanation, figure_html: Callable, min_pair_share: float) -> str:
    """Main effects, then the drawn pairs' heat maps and a compact list of the other pairs."""
    order = np.argsort(-glob.importances, kind="stable")
    drawn = drawn_pairs(glob, min_pair_share)
    mains, pairs, listed = [], [], []
    for t in order:
        term = glob.terms[t]
        if term.is_pair and term.index not in drawn:
            listed.append(term)
            continue
        div = plot_div(figure_html(glob.figure(term.index)), "gb-plot",
                       element_id=f"term-{term.index}", term=term.name)
        (pairs if term.is_pair else mains).append(div)
    html = "<section id=\"mains\"><h2>Main effects</h2>" + "".join(mains) + "</section>"
    if pairs or listed:
        html += "<section id=\"pairs\"><h2>Interactions</h2>" + "".join(pairs)
        if listed:
            html += _pair_list(listed, min_pair_share, bool(pairs))
        html += "</section>"
    return html


def _pair_list(listed: list, min_pair_share: float, some_drawn: bool) -> str:
    items = "".join(
        f'<li id="term-{term.index}" class="gb-pair" data-term="{escape(term.name, quote=True)}">'
        f'{escape(term.name)} <span class="gb-num">{term.importance:.4f}</span></li>'
        for term in listed)
    other = "other " if some_drawn else ""
    return (f"<h3>{len(listed)} {other}weak interaction{'s' * (len(listed) > 1)}</h3>"
            f"<p>Their importance is below {min_pair_share:.0%} of the largest term's, so they "
            "are listed (name, importance) instead of drawn; "
            "<code>explain_global().figure(name)</code> draws any of them.</p>"
            f'<ul class="gb-pairs">{items}</ul>')


def examples(local: LocalExplanation, figure_html: Callable, count: int) -> str:
    """Waterfalls of a few telling rows, two per line."""
    html = ["<section id=\"rows\"><h2>Single rows explained</h2>"
            "<p>Each chart starts at the intercept and adds every term's contribution, largest "
            "first, up to the row's score. Missing and unseen features are named under the "
            "row's title.</p>"]
    picked = pick_examples(local, count)
    if local.is_classifier and local.actual is not None and "Largest errors" not in picked:
        html.append("<p>No row of the given data is misclassified.</p>")
    for reason, rows in picked.items():
        html.append(f"<h3>{escape(reason)}</h3><div class=\"gb-grid\">")
        html += [plot_div(figure_html(local.figure(r, max_terms=REPORT_WATERFALL_TERMS)),
                          "gb-local", row=local.row_ids[r], reason=reason) for r in rows]
        html.append("</div>")
    return "".join(html) + "</section>"


def navigation(has_pairs: bool) -> str:
    """Links to the sections."""
    sections = [("summary", "Summary"), ("coverage", "Missing and unseen"),
                ("importance", "Importance"), ("terms", "Terms"), ("mains", "Main effects")]
    sections += [("pairs", "Interactions")] if has_pairs else []
    links = "".join(f'<a href="#{anchor}">{label}</a>'
                    for anchor, label in sections + [("rows", "Single rows")])
    return f"<nav>{links}</nav>"
