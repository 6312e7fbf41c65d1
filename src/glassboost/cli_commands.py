"""What each ``glassboost`` subcommand does: train, predict, report, dashboard and demo.

The functions take the parsed arguments, call the library, and print short summaries to stdout.
User errors surface as :class:`~glassboost.cli_io.CliError`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

import glassboost

from .cli_io import CliError, check_file, check_outputs, column_list, infer_task, near_miss
from .cli_io import one_line, read_table
from .cli_io import split_target, stray_text_warnings, table_format, target_values, write_table

#: The bundled data set of ``glassboost demo`` and its target.
DEMO_DATA = "the bundled credit data"
DEMO_TARGET = "Status"
DEMO_TEST_SIZE = 0.2
TOP_TERMS = 10
#: Model files the command line writes: everything but the per-bag tables (most of a file's
#: size, needed only to re-average bags), unless asked for; tables as exact binary blocks.
COMPACT_DETAIL, FULL_DETAIL = "mergeable", "all"
#: ``predict`` output: the prediction, one probability per class, then (``--explain``) every
#: term's contribution under this prefix and the intercept. No other name starts with the prefix,
#: so a term named like one of our columns cannot take its place.
PREDICTION = "prediction"
PROBABILITY_PREFIX = "proba_"
CONTRIBUTION_PREFIX = "contrib:"
INTERCEPT = "intercept"


@contextmanager
def library_errors(action: str) -> Iterator[None]:
    """Turn the library's ValueError/TypeError (bad data or settings) into a CliError."""
    try:
        yield
    except (ValueError, TypeError) as error:
        raise CliError(f"{action}: {one_line(error)}") from None


def load_model(path: str, scoring_only: bool = False) -> Any:
    """A fitted estimator from a glassboost model file, or with ``scoring_only`` the plain
    :class:`~glassboost.fitted_model.FittedModel` (it scores alike, and loading it imports no
    scikit-learn); CliError if the file is missing or not a model file."""
    check_file(path)
    try:
        if scoring_only:
            from .loading import load_fitted_model

            return load_fitted_model(Path(path))
        return glassboost.load(Path(path))
    except (OSError, ValueError) as error:  # load raises ModelFileError, a ValueError
        raise CliError(f"{path} is not a valid glassboost model file: {one_line(error)}") from None


def is_classifier(model: Any) -> bool:
    """Whether the model predicts classes (it has class labels)."""
    return getattr(model, "classes_", None) is not None


def classes_text(model: Any) -> str:
    """The class labels, and for two classes the one whose log-odds the scores are: classes_[1]
    (classes_ are sorted), the class of the AUC and of the report's scores."""
    classes = [f"'{label}'" for label in model.classes_]
    text = f"classes {', '.join(classes)}"
    if len(classes) == 2:
        text += f"; scores are log-odds of {classes[1]}"
    return text


class OutputColumns(dict):
    """The columns of a ``predict`` output; a name given twice is an error, never an overwrite."""

    def __setitem__(self, name: str, values: Any) -> None:
        if name in self:
            raise CliError(f"two output columns would both be named {name!r} (from term names "
                           "or class labels of the model); rename one of them in the model")
        super().__setitem__(name, values)


def prediction_frame(model: Any, X: pd.DataFrame, explain: bool) -> pd.DataFrame:
    """One row per input row: the prediction, class probabilities, and optionally every term's
    contribution (``contrib:<term>``) and the intercept, which add up to the score before the
    link. Multiclass contributions and intercepts get one column per class (``...[<class>]``)."""
    columns = OutputColumns()
    if is_classifier(model):
        probabilities = model.predict_proba(X)
        classes = list(model.classes_)
        columns[PREDICTION] = np.asarray(classes, dtype=object)[np.argmax(probabilities, axis=1)]
        for k, label in enumerate(classes):
            columns[f"{PROBABILITY_PREFIX}{label}"] = probabilities[:, k]
    else:
        columns[PREDICTION] = model.predict(X)
    if explain:
        contributions = model.eval_terms(X)
        intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
        if contributions.ndim == 3:  # multiclass: one score per class
            for t, name in enumerate(model.term_names_):
                for k, label in enumerate(model.classes_):
                    columns[f"{CONTRIBUTION_PREFIX}{name}[{label}]"] = contributions[:, t, k]
            for k, label in enumerate(model.classes_):
                columns[f"{INTERCEPT}[{label}]"] = np.full(len(X), intercept[k])
        else:
            for t, name in enumerate(model.term_names_):
                columns[f"{CONTRIBUTION_PREFIX}{name}"] = contributions[:, t]
            columns[INTERCEPT] = np.full(len(X), intercept[0])
    return pd.DataFrame(columns)


def coverage_text(model: Any, X: pd.DataFrame) -> str | None:
    """Per feature, how many entries of ``X`` were missing or unseen in training (None when
    there were none): unseen values contribute 0, so such rows are scored on less evidence."""
    from .coverage import input_coverage

    table = input_coverage(model, X)
    flagged = table[(table["missing"] > 0) | (table["unseen"] > 0)]
    if flagged.empty:
        return None
    width = max(len("feature"), *(len(name) for name in flagged["feature"]))
    lines = [f"Input coverage: {len(flagged)} of {len(table)} features have missing or unseen "
             f"values in the {len(X)} rows scored (an unseen value, such as a category not seen "
             "in training, contributes 0; a missing value gets the model's score for missing)",
             f"  {'feature':<{width}}  {'missing':>7}  {'unseen':>7}"]
    lines += [f"  {row.feature:<{width}}  {row.missing:>7}  {row.unseen:>7}"
              for row in flagged.itertuples()]
    return "\n".join(lines)


def metrics_text(model: Any, X: pd.DataFrame, y: np.ndarray) -> str:
    """AUC, log loss and accuracy for classifiers (none for a one-class model); RMSE, MAE and
    R^2 for regressors."""
    from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, r2_score
    from sklearn.metrics import roc_auc_score

    if is_classifier(model):
        classes = np.asarray(model.classes_)
        if len(classes) == 1:  # AUC and log loss need two classes; accuracy is 1 by definition
            return (f"none (the target has one class, '{classes[0]}': every row is predicted "
                    "to be it with probability 1)")
        probabilities = model.predict_proba(X)
        predicted = classes[np.argmax(probabilities, axis=1)]
        if len(classes) == 2:
            auc = roc_auc_score(y == classes[1], probabilities[:, 1])
        else:
            auc = roc_auc_score(y, probabilities, multi_class="ovr", labels=classes)
        return (f"AUC {auc:.4f}   log loss {log_loss(y, probabilities, labels=classes):.4f}   "
                f"accuracy {accuracy_score(y, predicted):.4f}")
    predicted = model.predict(X)
    rmse = float(np.sqrt(np.mean((y - predicted) ** 2)))
    return (f"RMSE {rmse:.6g}   MAE {mean_absolute_error(y, predicted):.6g}   "
            f"R^2 {r2_score(y, predicted):.4f}")


def top_terms_text(model: Any, n_terms: int = TOP_TERMS) -> str:
    """The ``n_terms`` most important terms (mean absolute contribution on the training data)."""
    importances = model.term_importances()
    order = np.argsort(-importances, kind="stable")[:n_terms]
    width = max(len(model.term_names_[i]) for i in order) if len(order) else 0
    lines = [f"Top {len(order)} of {len(importances)} terms by importance "
             "(mean |contribution| on the training data):"]
    lines += [f"  {rank:>2}. {model.term_names_[i]:<{width}}  {importances[i]:.4f}"
              for rank, i in enumerate(order, start=1)]
    return "\n".join(lines)


def fit_model(model: Any, X: pd.DataFrame, y: np.ndarray, quiet: bool) -> float:
    """Fit with the progress display; returns the wall time in seconds."""
    from .cli_progress import show_progress  # imports the booster: only fitting needs it

    start = time.perf_counter()
    with show_progress(quiet), library_errors("training failed"):
        model.fit(X, y)
    return time.perf_counter() - start


def hold_out(X: pd.DataFrame, y: np.ndarray, test_size: float, classification: bool,
             seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """A seeded train/test split, stratified by class for classification."""
    from sklearn.model_selection import train_test_split

    try:
        return train_test_split(X, y, test_size=test_size, random_state=seed,
                                stratify=y if classification else None)
    except ValueError as error:
        raise CliError(f"cannot hold out a test split of {test_size:g} of {len(X)} rows: "
                       f"{one_line(error)}; use --test-size 0 to train on every row") from None


def write_report(model: Any, X: pd.DataFrame, y: np.ndarray | None, path: Path | str,
                 train: tuple[pd.DataFrame, np.ndarray] | None = None,
                 data: str | Path = "the data") -> None:
    """Write the HTML report of ``model`` on ``X``, ``y`` (read from ``data``, which errors
    name); with ``train=(X_train, y_train)``, ``X``, ``y`` are the held-out rows and the report
    shows training metrics next to theirs."""
    from . import report as write_html  # the package's lazy name: the function, not the module

    try:
        with library_errors(f"report failed on {data}"):
            write_html(model, X, y, path, train=train)
    except OSError as error:
        raise CliError(f"cannot write {path}: {one_line(error)}") from None


def model_path(path: str, compress: bool) -> str:
    """Where the model file goes: ``path``, with ``.gz`` added when compressing (to_json writes
    gzip for a ``.gz`` path)."""
    return path if not compress or path.lower().endswith(".gz") else f"{path}.gz"


def write_model(model: Any, path: Path | str, include_bags: bool = False) -> None:
    """Save the model file with its tables as binary blocks, without the per-bag tables
    unless ``include_bags``."""
    try:
        with library_errors(f"cannot write {path}"):
            model.to_json(path, detail=FULL_DETAIL if include_bags else COMPACT_DETAIL,
                          compact=True)
    except OSError as error:
        raise CliError(f"cannot write {path}: {one_line(error)}") from None


def drop_columns(X: pd.DataFrame, names: list[str], path: str) -> pd.DataFrame:
    """``X`` without the ``--drop`` columns; CliError for a name that is not a feature column."""
    for name in names:
        if name not in X.columns:
            raise CliError(f"--drop {name!r} is not a feature column of {path}"
                           f"{near_miss(name, X.columns)}; they are: {column_list(X.columns)}")
    X = X.drop(columns=names)
    if X.shape[1] == 0:
        raise CliError(f"--drop leaves no feature columns in {path}")
    return X


def train(args: argparse.Namespace) -> None:
    """Fit an EBM on a table, hold out a test split, print training and held-out metrics and
    the top terms, save the model (and the report on the held-out rows)."""
    from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    out = model_path(args.out, args.compress)
    check_outputs({"--out": out, "--report": args.report}, (args.data,), args.force)
    X, target = split_target(read_table(args.data), args.target, args.data)
    X = drop_columns(X, args.drop, args.data)
    for message in stray_text_warnings(X, args.data):
        warnings.warn(message, stacklevel=1)
    task = infer_task(target) if args.task == "auto" else args.task
    y = target_values(target, task)
    estimator = ExplainableBoostingClassifier if task == "classification" else \
        ExplainableBoostingRegressor
    settings = {name: value for name, value in (("random_state", args.seed),
                                                 ("outer_bags", args.outer_bags),
                                                 ("interactions", args.interactions))
                if value is not None}
    model = estimator(**settings)
    if args.test_size > 0:
        X_train, X_test, y_train, y_test = hold_out(X, y, args.test_size,
                                                    task == "classification",
                                                    model.random_state)
    else:
        X_train, X_test, y_train, y_test = X, None, y, None
    seconds = fit_model(model, X_train, y_train, args.quiet)
    write_model(model, out, args.include_bags)
    if args.report is not None and X_test is None:
        write_report(model, X_train, y_train, args.report, data=args.data)
    elif args.report is not None:
        write_report(model, X_test, y_test, args.report, train=(X_train, y_train),
                     data=args.data)
    if args.quiet:
        return
    classes = f", {classes_text(model)}" if is_classifier(model) else ""
    how = ", inferred from the target" if args.task == "auto" else ""
    print(f"Trained {estimator.__name__} on {args.data} ({task}{how}): "
          f"{len(X_train)} of {len(X)} rows, {X.shape[1]} features{classes}, "
          f"{len(model.term_names_)} terms, {seconds:.1f} s")
    print(f"Training metrics ({len(X_train)} rows the model was fitted on, optimistic): "
          f"{metrics_text(model, X_train, y_train)}")
    if X_test is not None:
        print(f"Held-out metrics ({len(X_test)} rows not used in fitting, "
              f"--test-size {args.test_size:g}): {metrics_text(model, X_test, y_test)}")
    else:
        print("Held-out metrics: none (--test-size 0: every row was used in fitting)")
    print(top_terms_text(model))
    print(f"Wrote {out} ({Path(out).stat().st_size / 1e6:.2f} MB"
          f"{', with per-bag tables' if args.include_bags else ''})")
    if args.report is not None:
        print(f"Wrote {args.report}")


def predict(args: argparse.Namespace) -> None:
    """Predict every row of a table with a saved model; CSV to stdout or a file."""
    if args.out is not None:
        table_format(args.out)
    check_outputs({"--out": args.out}, (args.model, args.data), args.force)
    model = load_model(args.model, scoring_only=True)
    X = read_table(args.data, blank_lines=True)
    empty = np.flatnonzero(X.isna().all(axis=1).to_numpy())
    if len(empty) and not args.quiet:
        rows = ", ".join(str(i + 1) for i in empty[:5])
        print(f"glassboost: {len(empty)} data row(s) of {args.data} are blank or empty (data rows "
              f"{rows}{', ...' if len(empty) > 5 else ''}); each gets a prediction with every "
              "feature missing, so the output keeps one row per data line", file=sys.stderr)
    with library_errors(f"prediction failed on {args.data}"):
        frame = prediction_frame(model, X, args.explain)
        coverage = None if args.quiet else coverage_text(model, X)
    write_table(frame, args.out, csv_guard=args.csv_guard)
    if coverage is not None:
        print(coverage, file=sys.stderr)


def report(args: argparse.Namespace) -> None:
    """Write the HTML report of a saved model on a table (with its target, if given)."""
    check_outputs({"--out": args.out}, (args.model, args.data), args.force)
    model = load_model(args.model)
    frame = read_table(args.data)
    if args.target is not None:
        X, target = split_target(frame, args.target, args.data)
        y = target_values(target, "classification" if is_classifier(model) else "regression")
    else:
        X, y = frame, None
    write_report(model, X, y, args.out, data=args.data)
    print(f"Wrote {args.out}")


def load_other_model(path: str) -> Any:
    """A fitted model with a scikit-learn API from a pickle or joblib file."""
    import joblib

    check_file(path)
    try:
        return joblib.load(path)
    except Exception as error:  # pickle raises many kinds for a file that is not one
        raise CliError(f"{path} is not a pickle or joblib file of a model: "
                       f"{one_line(error)}") from None


def dashboard(args: argparse.Namespace) -> None:
    """Write the dashboard of a saved model, and of pickled models beside it, on a table with
    its target."""
    check_outputs({"--out": args.out}, (args.model, args.data, *args.compare), args.force)
    model = load_model(args.model)
    models = {Path(args.model).stem: model}
    for path in args.compare:
        name = Path(path).stem
        if name in models:
            name = path
        models[name] = load_other_model(path)
    X, target = split_target(read_table(args.data), args.target, args.data)
    y = target_values(target, "classification" if is_classifier(model) else "regression")
    with library_errors("the dashboard failed"):
        glassboost.dashboard(models, X, y, args.out, features=args.features,
                             rows=args.rows)
    print(f"Wrote {args.out}")


def demo(args: argparse.Namespace) -> None:
    """Train on 80% of the credit data, evaluate on the held-out 20%, save model and report."""
    from .datasets import load_credit
    from .estimators import ExplainableBoostingClassifier

    out_dir = Path(args.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create {out_dir}: {one_line(error)}") from None
    check_outputs({"model file": out_dir / "model.json", "report": out_dir / "report.html"},
                  force=args.force)
    frame = load_credit()
    X, target = split_target(frame, DEMO_TARGET, DEMO_DATA)
    y = target_values(target, "classification")
    X_train, X_test, y_train, y_test = hold_out(X, y, DEMO_TEST_SIZE, True, seed=0)
    print(f"Credit data: {len(X)} loan applicants, {X.shape[1]} features, target "
          f"{DEMO_TARGET!r}; training on {len(X_train)} rows, holding out {len(X_test)}")
    model = ExplainableBoostingClassifier()
    seconds = fit_model(model, X_train, y_train, quiet=False)
    n_pairs = sum(len(features) == 2 for features in model.term_features_)
    print(f"Trained {len(model.term_names_)} terms ({len(model.term_names_) - n_pairs} main "
          f"effects, {n_pairs} pairs) in {seconds:.1f} s; {classes_text(model)}")
    print(f"Held-out metrics: {metrics_text(model, X_test, y_test)}")
    print(top_terms_text(model))
    write_model(model, out_dir / "model.json")
    write_report(model, X_test, y_test, out_dir / "report.html", train=(X_train, y_train))
    print(f"Wrote {out_dir / 'model.json'}")
    print(f"Wrote {out_dir / 'report.html'}")
