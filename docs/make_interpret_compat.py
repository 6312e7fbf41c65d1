"""Write docs/interpret_compat.md: every public parameter, fitted attribute and method of
InterpretML's ExplainableBoostingClassifier / ExplainableBoostingRegressor, and its status in
glassboost.

The names are introspected from the installed interpret-core (constructor signatures, public
methods, and the attributes a small fitted model sets), never typed by hand; the status is
computed (present in glassboost or not, same default, same arguments), and ``NOTES`` says how a
difference shows or why a name is missing. Run: ``python docs/make_interpret_compat.py``.
tests/test_interpret_api.py checks that the file is current.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).with_name("interpret_compat.md")

# How a name differs in glassboost, or why it is missing; the other names are the same.
NOTES = {
    ("parameter", "callback"): "same; glassboost also takes `callbacks`, the name InterpretML's "
                               "development branch renamed it to (give one of the two)",
    ("parameter", "min_cat_samples"): "different default: 0 in glassboost (every category its "
                                      "own bin unless `cat_smooth` merges it), 10 in InterpretML",
    ("parameter", "n_jobs"): "different default: -1 (all cores, threads) in glassboost, -2 "
                             "(all but one, processes) in InterpretML",
    ("parameter", "feature_types"): "same entries, plus `datetime_features` for date columns; "
                                    "explicit cut points must be finite and strictly "
                                    "increasing (InterpretML does not check them); 'uniform' "
                                    "cuts are InterpretML's and 'winsorized' ones its rule (one "
                                    "cut aside), infinities left out of both; 'rounded_quantile' "
                                    "rounds glassboost's quantile cuts and keeps the end cuts; "
                                    "pair cuts are a subset of the feature's cuts (see "
                                    "input-handling.md)",
    ("parameter", "max_bins"): "same; glassboost's counts bins of values (up to max_bins - 1 "
                               "cuts), InterpretML's also the missing and unseen bins (max_bins "
                               "- 3 cuts); glassboost's cuts sit halfway between distinct "
                               "values, so cut points can differ from InterpretML's where a bin "
                               "holds many values",
    ("parameter", "max_interaction_bins"): "same meaning; glassboost's pair bins are a coarser "
                                           "subset of the main-effect cuts, so pair tables can "
                                           "have other shapes than InterpretML's",
    ("parameter", "early_stopping_tolerance"): "same; glassboost also stops on gains below the "
                                               "validation set's noise (`early_stopping_noise`, "
                                               "0 gives InterpretML's rule)",
    **{("parameter", name): "same, but by default early stopping may end the smoothing rounds "
                            "(`early_stopping_in_smoothing=True`: the window counts from a "
                            "stage's first round); False gives InterpretML's rule, where they "
                            "always run and the window starts after them. On a bag of more than "
                            "5,000 training rows the classifier's smoothing rounds fill their "
                            "histograms from a sample of 5,000 rows, weighted up "
                            "(`smoothing_max_rows`; None gives InterpretML's every row, the "
                            "regressor's default; docs/fit-parameters.md)"
       for name in ("smoothing_rounds", "interaction_smoothing_rounds")},
    ("parameter", "early_stopping_rounds"): "different default: 50 in glassboost, 100 in "
                                            "InterpretML; with the noise floor halved to match "
                                            "(`early_stopping_noise=0.005`) a stage must gain as "
                                            "fast to go on, and waits half as long after its "
                                            "best step (docs/architecture.md). By default the "
                                            "window may also end the smoothing rounds "
                                            "(`early_stopping_in_smoothing=True`), and a stage "
                                            "whose validation loss has stayed above its best "
                                            "for two rounds (20 inside the smoothing "
                                            "rounds) ends before its window "
                                            "(`early_stopping_rise=0.05`). InterpretML's "
                                            "rule: `early_stopping_rounds=100, "
                                            "early_stopping_noise=0, early_stopping_rise=0, "
                                            "early_stopping_in_smoothing=False`",
    ("parameter", "learning_rate"): "different defaults: 0.1 for the classifier (InterpretML: "
                                    "0.015), and `\"auto\"` for the regressor: 0.06 for "
                                    "`rmse`, 0.04 (InterpretML's) for every other objective. "
                                    "With glassboost's early stopping the larger rates "
                                    "reached a held-out AUC within 0.0007 of 0.015's or better "
                                    "on every classification dataset of the benchmark, and an "
                                    "RMSE within 0.02% of 0.04's or better on every "
                                    "regression dataset (docs/architecture.md); "
                                    "`learning_rate=0.015` (0.04) gives InterpretML's",
    ("parameter", "inner_bags"): "same: each step's tree is the mean of one tree per "
                                 "resample of the bag (draws differ from InterpretML's, "
                                 "whose random numbers glassboost does not reproduce)",
    ("parameter", "monotone_constraints"): "different: an explicit pair holding a constrained "
                                           "feature is refused (purifying it would break the "
                                           "constraint); detected pairs leave such features out",
    ("parameter", "exclude"): "same; a negative feature index counts from the end (InterpretML "
                              "leaves it unmatched, excluding nothing)",
    ("parameter", "interactions"): "different: terms of any order are fitted, those of three "
                                   "or more features up to 2**19 tensor cells (a larger one is "
                                   "refused with a ValueError naming it); negative feature "
                                   "indices count from the end; a pair's features are stored "
                                   "sorted (InterpretML keeps the order given), a wider term's "
                                   "in the order given, as InterpretML",
    ("attribute", "has_fitted_"): "same; a property, so loaded and merged models have it too",
    **{("attribute", name): "same; not kept in glassboost's model files (a loaded model "
                            "lacks it; `merge_ebms` keeps what InterpretML's merge keeps)"
       for name in ("histogram_edges_", "histogram_weights_", "unique_val_counts_",
                    "feature_bounds_", "bag_weights_", "min_target_", "max_target_")},
    ("attribute", "bins_"): "same layout (`[main cuts, pair cuts]` per continuous feature, a "
                            "category dict per categorical); glassboost always stores both "
                            "levels of a continuous feature after `fit` (`sweep` drops the "
                            "unneeded one)",
    ("attribute", "best_iteration_"): "same shape (stages x bags); glassboost counts steps as "
                                      "InterpretML does, with its own stopping rule",
    ("attribute", "term_scores_"): "same layout; pair tables follow glassboost's pair bins",
    ("attribute", "link_"): "same values; a one-class target gives `monoclassification` with "
                            "no terms (InterpretML keeps every term, filled with -inf)",
    ("method", "explain_global"): "same; `data()` holds every key of InterpretML's with its "
                                  "values (bounds score ± 1 sd, the training range as outer "
                                  "edges), plus glassboost's own; the figures draw score ± "
                                  "1.96 sd; `visualize(None)` draws every term's importance "
                                  "(InterpretML the 15 largest); terms of three or more "
                                  "features (a heat map of two features per slice of the "
                                  "others) and pairs of multiclass models are kept where "
                                  "InterpretML drops them with a warning, so a multiclass "
                                  "model with pairs numbers its terms as `term_names_` does",
    ("method", "to_excel"): "missing: Excel export is left out (no spreadsheet dependency)",
    ("method", "to_excel_exportable"): "missing: Excel export is left out",
    ("method", "explain_local"): "same; `data(row)` holds every key of InterpretML's with "
                                 "its values (the feature values, classes as indices in "
                                 "`perf`), plus glassboost's own (`value_texts`: the "
                                 "waterfall's `name = value` labels); `data()` gives every "
                                 "row's numbers (InterpretML: None); with `init_score`, "
                                 "`data(row)['extra']` also lists the row's base score after "
                                 "the intercept, and the waterfall draws it as a bar, so the "
                                 "parts add up to the score",
    ("method", "predict_with_uncertainty"): "same; multiclass models give (n, 2, n_classes) "
                                            "where InterpretML fails; a model from `merge_ebms` "
                                            "weighs its bags by `bag_shares_`, as its tables "
                                            "do, so the mean is its score (InterpretML averages "
                                            "the bags alike)",
    ("method", "to_json"): "different: glassboost's own versioned format (`glassboost.load` reads "
                           "InterpretML's files too); `file=None` returns the text, `.gz` "
                           "paths are compressed",
    ("method", "to_jsonable"): "different: the document of glassboost's format, at the same "
                               "detail levels",
    ("method", "estimate_mem"): "same arguments; glassboost's estimate is the peak its own fit "
                                "checks against the available memory (on 400 rows it is about "
                                "2.4 MB where InterpretML says 0.2 MB: fixed per-fit buffers)",
    ("method", "remove_features"): "same; a boolean mask drops exactly its True entries "
                                   "(InterpretML also drops the first item when the mask has "
                                   "a False), and `term_features_` follow the remaining "
                                   "features to their new positions (InterpretML leaves them "
                                   "at the old ones); removing every feature is refused, since "
                                   "a model file holds at least one",
    ("method", "remove_terms"): "same, with the boolean-mask rule of `remove_features`",
    ("method", "monotonize"): "same; per-bag tables move with the mean table (InterpretML sets "
                              "them to None)",
    ("method", "sweep"): "same; a feature in no term keeps its main-effect level in `bins_` "
                         "(InterpretML empties it); when no term uses any feature (a one-class "
                         "model, every term removed), `features=True` keeps the first feature "
                         "so the model can still be saved (InterpretML drops them all); "
                         "glassboost's old importance-threshold `sweep` is now "
                         "`remove_weak_terms`",
    ("objective", "quantile:alpha=0.5"): "same; in InterpretML's main branch, not in its "
                                         "0.7.8 release: benchmarks/objectives.py compares the "
                                         "two (benchmarks/interpret_main.sh builds the branch)",
    ("parameter", "feature_names"): "same; names that cover every column of a DataFrame, in any "
                                    "order, pick the columns by name, as in InterpretML; "
                                    "otherwise they rename the columns by position, and a "
                                    "column carrying another position's feature name is a "
                                    "ValueError (InterpretML takes positions with a warning)",
    ("method", "predict"): "same; a DataFrame with a column of every feature's name is matched "
                           "by name, extra columns ignored, as in InterpretML; a model fitted on "
                           "a DataFrame without feature_names refuses a DataFrame lacking one of "
                           "them (InterpretML falls back to positions with a warning), and a "
                           "DataFrame matched by position that has a feature's name at another "
                           "position is a ValueError (InterpretML warns)",
    ("attribute", "term_names_"): "same; feature names that would give two terms one name (a "
                                  "feature `a & b` next to the pair of `a` and `b`) are a "
                                  "ValueError at fit (InterpretML fits two terms of one name)",
    ("method", "reorder_classes"): "same; labels are compared with the classes as values "
                                   "(InterpretML casts them to the classes' dtype first, so "
                                   "'abcdef' matches 'abc' in a <U3 array and 1.9 matches 1)",
    ("objective", "survival_cox"): "same, with InterpretML's target (the time signed by the "
                                   "event) or two columns (time, event) or a structured array; "
                                   "in InterpretML's main branch, not in its 0.7.8 release: "
                                   "benchmarks/objectives.py compares the two",
}

# InterpretML's objective strings (its docstring's list; they cannot be introspected)
OBJECTIVES = ("log_loss", "rmse", "poisson_deviance", "tweedie_deviance:variance_power=1.5",
              "gamma_deviance", "pseudo_huber:delta=1.0", "rmse_log", "quantile:alpha=0.5",
              "survival_cox")

# interpret.utils: what each public name is in glassboost.utils
UTILS_NOTES = {
    "measure_interactions": "same arguments; `reg_alpha`, `reg_lambda` and `max_delta_step` "
                            "only at their default 0; strengths on InterpretML's scale, equal "
                            "up to the binning (pseudo-Huber's and the quantile's: the same "
                            "ranking on another scale); `survival_cox` takes y as the "
                            "regressor does and ranks on Cox's gradients at the starting "
                            "scores, as a fit does; y and `sample_weight` get the fit's "
                            "checks for the objective (its domain, finite values, a scale "
                            "the loss's sums hold, weight on every class), with its errors "
                            "and warnings; `max_interaction_bins`, `min_samples_leaf` and "
                            "`min_hessian` in the fit's ranges",
    "purify": "same, for tables of any order (and a class axis); pairs solved exactly, higher "
              "orders to float precision, so `tolerance` and `is_randomized` change nothing; "
              "cells of zero weight may get other values than InterpretML gives them",
    "inv_link": "same",
    "link_func": "missing: not part of this work",
    "make_synthetic": "missing: InterpretML's test-data generator",
    "SPOT_GreedySubsetSelection": "missing: not an EBM function",
    "EBMPreprocessor": "missing: glassboost bins inside `fit`",
}

LEFT_OUT = ("Differential privacy (`DPExplainableBoostingClassifier`/`Regressor`, noise_scale_* "
            "attributes) is its own issue; `show()` is interpret's dashboard, not part of the "
            "estimators; Excel export is not provided.")


def _small_data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"a": rng.normal(size=n), "c": rng.choice(["x", "y", "z"], n)})
    y_reg = X["a"].to_numpy() + (X["c"] == "x").to_numpy() + rng.normal(size=n) * 0.5
    return X, (y_reg > 0.5).astype(int), y_reg


def _fitted_attributes(model) -> set[str]:
    return {k for k in vars(model) if k.endswith("_") and not k.startswith("_")}


def _public_methods(cls) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(getattr(cls, n)) for n in dir(cls)
            if not n.startswith("_") and callable(getattr(cls, n))}


def rows() -> list[tuple[str, str, str, str]]:
    """(kind, name, classes, status) for every public InterpretML name, sorted by kind."""
    from interpret.glassbox import ExplainableBoostingClassifier as IC
    from interpret.glassbox import ExplainableBoostingRegressor as IR

    import glassboost

    X, y_class, y_reg = _small_data()
    pairs = [(IC, glassboost.ExplainableBoostingClassifier, y_class),
             (IR, glassboost.ExplainableBoostingRegressor, y_reg)]
    found: dict[tuple[str, str], dict] = {}

    def note(kind: str, name: str, owner: str, status: str) -> None:
        entry = found.setdefault((kind, name), {"classes": [], "status": set()})
        entry["classes"].append(owner)
        entry["status"].add(status)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for theirs, ours, y in pairs:
            owner = "C" if theirs is IC else "R"
            ours_params = inspect.signature(ours.__init__).parameters
            for name, p in inspect.signature(theirs.__init__).parameters.items():
                if name == "self":
                    continue
                if name not in ours_params:
                    note("parameter", name, owner, "missing")
                elif ours_params[name].default != p.default:
                    note("parameter", name, owner, "different")
                else:
                    note("parameter", name, owner, "same")
            small = dict(outer_bags=2, max_rounds=20, interactions=1)
            their_model = theirs(**small).fit(X, y)
            our_model = ours(**small).fit(X, y)
            our_attributes = _fitted_attributes(our_model)
            for name in sorted(_fitted_attributes(their_model)):
                note("attribute", name, owner,
                     "same" if name in our_attributes or hasattr(our_model, name)
                     else "missing")
            our_methods = _public_methods(ours)
            for name, signature in _public_methods(theirs).items():
                if name not in our_methods:
                    note("method", name, owner, "missing")
                    continue
                theirs_args = set(signature.parameters) - {"self"}
                ours_args = set(our_methods[name].parameters) - {"self"}
                note("method", name, owner, "same" if theirs_args <= ours_args else "different")
    from glassboost.objectives import classification_objective, regression_objective

    for name in OBJECTIVES:
        try:
            (classification_objective(name, 2) if name == "log_loss"
             else regression_objective(name))
            note("objective", name, "C" if name == "log_loss" else "R", "same")
        except ValueError:
            note("objective", name, "C" if name == "log_loss" else "R", "missing")
    table = []
    for (kind, name), entry in sorted(found.items(), key=lambda item: (
            ("parameter", "attribute", "method", "objective").index(item[0][0]), item[0][1])):
        status = ("missing" if "missing" in entry["status"] else
                  "different" if "different" in entry["status"] else "same")
        text = NOTES.get((kind, name))
        if text is None and kind == "objective":
            label = "same" if status == "same" else "missing: not in glassboost yet"
        elif text is None:
            label = status if status == "same" else f"{status}: not described yet"
        elif (text.startswith("missing") != (status == "missing")
              or (status == "different" and text.startswith("same"))):
            label = f"{status} (the note on it is out of date: {text})"
        else:
            label = text
        classes = "both" if len(entry["classes"]) == 2 else (
            "classifier" if entry["classes"] == ["C"] else "regressor")
        table.append((kind, f"`{name}`", classes, label))
    return table


def utils_rows() -> list[tuple[str, str]]:
    """(name, status) for every public name of interpret.utils."""
    import interpret.utils

    import glassboost.utils

    table = []
    for name in sorted(n for n in dir(interpret.utils) if not n.startswith("_")):
        present = hasattr(glassboost.utils, name)
        text = UTILS_NOTES.get(name, "same" if present else "missing: not described yet")
        if text.startswith("missing") == present:
            text = f"{'same' if present else 'missing'} (the note on it is out of date: {text})"
        table.append((f"`{name}`", text))
    return table


def extras() -> list[str]:
    """glassboost's public names that InterpretML's classes do not have."""
    from interpret.glassbox import ExplainableBoostingClassifier as IC

    import glassboost

    ours = glassboost.ExplainableBoostingClassifier
    params = [n for n in inspect.signature(ours.__init__).parameters
              if n != "self" and n not in inspect.signature(IC.__init__).parameters]
    methods = [n for n in _public_methods(ours) if n not in _public_methods(IC)]
    functions = [n for n in ("from_interpret", "load", "merge_ebms", "report")
                 if hasattr(glassboost, n)]
    return [f"- parameters: {', '.join(f'`{n}`' for n in params)}",
            f"- methods: {', '.join(f'`{n}`' for n in methods)}",
            f"- functions: {', '.join(f'`glassboost.{n}`' for n in functions)}"]


def markdown() -> str:
    lines = [
        "# InterpretML API compatibility",
        "",
        "Every public parameter, fitted attribute and method of interpret-core's",
        "`ExplainableBoostingClassifier` and `ExplainableBoostingRegressor`, introspected from the",
        "installed interpret-core by `docs/make_interpret_compat.py` (which writes this file), and",
        "its status in glassboost. `tests/test_interpret_api.py` runs both libraries side by side",
        "on the same data for the rows marked same or different, and checks this file is current.",
        "",
        f"Left out on purpose: {LEFT_OUT}",
        "",
        "| kind | name | class | status in glassboost |",
        "|---|---|---|---|",
    ]
    lines += [f"| {kind} | {name} | {classes} | {status} |"
              for kind, name, classes, status in rows()]
    lines += ["", "## `interpret.utils` and `glassboost.utils`", "",
              "| name | status in glassboost.utils |", "|---|---|"]
    lines += [f"| {name} | {status} |" for name, status in utils_rows()]
    lines += ["", "## glassboost's own additions", ""] + extras()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import interpret

    OUT.write_text(markdown().replace("installed interpret-core", f"installed interpret-core "
                                      f"{interpret.__version__}", 1))
    print(f"wrote {OUT}")
