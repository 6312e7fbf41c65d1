"""The sections of the offline HTML report, each a function from explanations to HTML.

Interactions (pairs and terms of three or more features) whose importance is below a share of
the largest term's importance are listed (name, importance) instead of drawn: a heat map of a term
that hardly moves any score costs half a screen and tells nothing, and models with dozens of weak
pairs made pages 20,000-40,000 px tall. A term of three or more features is drawn as one heat map
of its first two features per slice (a bin of each later feature) with a slider, or listed with
the reason when that would take more than ``MAX_SLICES`` heat maps.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable

import numpy as np

from .examples import pick_examples
from .global_explanation import GlobalExplanation
from .local_explanation import LocalExplanation
from .page import Raw, plot_div, table
from .terms import Term

IMPORTANCE_KEY = "__importance__"
#: Interactions whose figure would hold more heat maps than this are listed instead of drawn.
MAX_SLICES = 48
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
    n_interactions = sum(t.is_interaction for t in glob.terms)
    n_wide = sum(len(t.axes) > 2 for t in glob.terms)
    wide = f" ({n_wide} of three or more features)" if n_wide else ""
    facts = [("Model", type(model).__name__), ("Task", _task(model, local))]
    if local.is_classifier:
        facts.append(("Classes", ", ".join(local.classes)))
        if len(local.classes) == 2:
            facts.append(("Scores are log-odds of", local.classes[1]))
    facts += [
        ("Rows in the given data", f"{len(local):,}"),
        ("Features", str(len(model.feature_names_in_))),
        ("Terms", f"{len(glob.terms) - n_interactions} main effects, {n_interactions} "
                  f"interactions{wide}"),
        ("Intercept" + (" per class" if local.multiclass_names else ""), intercept_text(local)),
    ]
    return ("<section id=\"summary\"><h2>Summary</h2>" + table(facts, ["", ""])
            + _privacy(glob) + _bands(glob) + _metrics(model, local, train) + "</section>")


def _privacy(glob: GlobalExplanation) -> str:
    """A differentially private model's guarantee and account, in a paragraph of its own."""
    if glob.privacy is None:
        return ""
    record = glob.privacy
    facts = [("Differentially private", f"epsilon = {record['epsilon']:g}, delta = "
                                         f"{record['delta']:g}"),
             ("Composition", str(record["composition"]))]
    if "noise_scale_binning" in record:
        facts += [("Noise per binning count (std)", f"{record['noise_scale_binning']:.4g}"),
                  ("Noise per boosting leaf sum (std)", f"{record['noise_scale_boosting']:.4g}")]
    else:
        facts.append(("Noise scales", "not in the model file"))
    return ("<h3 id=\"privacy\">Privacy</h3><p class=\"gb-privacy\">"
            + escape(record["summary"]) + "</p>" + table(facts, ["", ""]))


def _bands(glob: GlobalExplanation) -> str:
    """Says why the term plots have no uncertainty bands, when they have none."""
    if glob.has_band:
        return ""
    return ("<p class=\"gb-no-bands\">The term plots draw no uncertainty bands: the model has "
            "no spread over outer bags (it has one bag), and a band of zero width would claim "
            "a certainty that was never measured.</p>")


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
    trained = metrics_of(model, X_train, y_train, "train=(X_train, y_train): y_train")
    rows = [(name, f"{value:.4f}", f"{trained[name]:.4f}") for name, value in given.items()]
    header = ["Metric", f"Held out: the given data ({len(local):,} rows)",
              f"Training data ({len(y_train):,} rows the model was fitted on)"]
    return ("<h3>Metrics: held-out data and training data</h3>"
            "<p>Training metrics are optimistic: the model has seen those rows. The held-out "
            "metrics are the ones to expect on new data.</p>"
            + table(rows, header, numeric=[1, 2]))


def _never_missing_in_training(glob: GlobalExplanation) -> set[str]:
    """Features whose main effect had no training weight in its missing bin."""
    return {t.axes[0].feature for t in glob.terms if t.is_main and t.weights[0] == 0}


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
        kind = term.kind
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
    """Indices of the interactions (of any order) important enough to draw: at least
    ``min_pair_share`` of the largest term importance, and for a term of three or more features
    at most ``MAX_SLICES`` heat maps (slices times classes)."""
    largest = float(glob.importances.max()) if len(glob.terms) else 0.0
    return {t.index for t in glob.terms
            if t.is_interaction and t.importance >= min_pair_share * largest
            and t.importance > 0 and _heat_maps(glob, t) <= MAX_SLICES}


def _heat_maps(glob: GlobalExplanation, term: Term) -> int:
    """How many heat maps a term's interactive figure holds: slices times drawn classes."""
    return len(term.slices()) * (1 if glob.classes is None else len(glob.classes))


def term_plots(glob: GlobalExplanation, figure_html: Callable, min_pair_share: float) -> str:
    """Main effects, then the drawn interactions' heat maps and compact lists of the weak
    interactions and of the higher-order terms too large to draw."""
    order = np.argsort(-glob.importances, kind="stable")
    drawn = drawn_pairs(glob, min_pair_share)
    largest = float(glob.importances.max()) if len(glob.terms) else 0.0
    mains, pairs, weak, large = [], [], [], []
    for t in order:
        term = glob.terms[t]
        if term.is_interaction and term.index not in drawn:
            weak_term = term.importance < min_pair_share * largest or term.importance <= 0
            (weak if weak_term else large).append(term)
            continue
        div = plot_div(figure_html(glob.figure(term.index)), "gb-plot",
                       element_id=f"term-{term.index}", term=term.name)
        (pairs if term.is_interaction else mains).append(div)
    html = "<section id=\"mains\"><h2>Main effects</h2>" + "".join(mains) + "</section>"
    if pairs or weak or large:
        html += "<section id=\"pairs\"><h2>Interactions</h2>"
        if any(len(glob.terms[i].axes) > 2 for i in drawn):
            html += ("<p>A term of three or more features is drawn as heat maps of its first "
                     "two features, one per slice (a bin of each later feature), on one colour "
                     "scale; the slider under it picks the slice.</p>")
        html += "".join(pairs)
        if weak:
            html += _pair_list(weak, min_pair_share, bool(pairs))
        if large:
            html += _large_list(glob, large)
        html += "</section>"
    return html


def _items(listed: list) -> str:
    return "".join(
        f'<li id="term-{term.index}" class="gb-pair" data-term="{escape(term.name, quote=True)}">'
        f'{escape(term.name)} <span class="gb-num">{term.importance:.4f}</span></li>'
        for term in listed)


def _pair_list(listed: list, min_pair_share: float, some_drawn: bool) -> str:
    other = "other " if some_drawn else ""
    return (f"<h3>{len(listed)} {other}weak interaction{'s' * (len(listed) > 1)}</h3>"
            f"<p>Their importance is below {min_pair_share:.0%} of the largest term's, so they "
            "are listed (name, importance) instead of drawn; "
            "<code>explain_global().figure(name)</code> draws any of them.</p>"
            f'<ul class="gb-pairs">{_items(listed)}</ul>')


def _large_list(glob: GlobalExplanation, listed: list) -> str:
    counts = ", ".join(f"{escape(t.name)}: {_heat_maps(glob, t):,}" for t in listed)
    return (f"<h3>{len(listed)} interaction{'s' * (len(listed) > 1)} too large to draw "
            "here</h3>"
            f"<p>Drawn, each would take more than {MAX_SLICES} heat maps (one per slice, a bin "
            f"of each feature after the first two{', and per class' * bool(glob.classes)}; "
            f"{counts}), so they are listed (name, importance) instead; "
            "<code>explain_global().figure(name)</code> draws any of them, "
            "<code>.data(name)</code> gives the whole table.</p>"
            f'<ul class="gb-pairs">{_items(listed)}</ul>')


def examples(local: LocalExplanation, figure_html: Callable, count: int) -> str:
    """Waterfalls of a few telling rows, two per line."""
    html = ["<section id=\"rows\"><h2>Single rows explained</h2>"
            "<p>Each chart starts at the intercept and adds every term's contribution, largest "
            "first, up to the row's score. Missing and unseen features are named under the "
            "row's title.</p>"]
    if local.link == "monoclassification":  # its rows score -inf: no waterfall to draw
        return (html[0] + f"<p>The model was fitted on one class, "
                f"{escape(str(local.classes[0]))}: every row is that class with probability 1, "
                "whatever its features, so no row is explained.</p></section>")
    picked = pick_examples(local, count)
    if local.is_classifier and local.actual is not None and "Largest errors" not in picked:
        html.append("<p>No row of the given data is misclassified.</p>")
    for reason, rows in picked.items():
        html.append(f"<h3>{escape(reason)}</h3><div class=\"gb-grid\">")
        html += [plot_div(figure_html(local.figure(r, max_terms=REPORT_WATERFALL_TERMS)),
                          "gb-local", row=local.row_ids[r], reason=reason) for r in rows]
        html.append("</div>")
    return "".join(html) + "</section>"


def navigation(has_interactions: bool) -> str:
    """Links to the sections."""
    sections = [("summary", "Summary"), ("coverage", "Missing and unseen"),
                ("importance", "Importance"), ("terms", "Terms"), ("mains", "Main effects")]
    sections += [("pairs", "Interactions")] if has_interactions else []
    links = "".join(f'<a href="#{anchor}">{label}</a>'
                    for anchor, label in sections + [("rows", "Single rows")])
    return f"<nav>{links}</nav>"
