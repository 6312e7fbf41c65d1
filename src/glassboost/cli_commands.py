"""What each ``glassboost`` subcommand does: train, predict, report and demo.

The functions take the parsed arguments, call the library, and print short summaries to stdout.
User errors surface as :class:`~glassboost.cli_io.CliError`.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, r2_score
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import glassboost

from .cli_io import CliError, check_file, infer_task, one_line, read_table, split_target
from .cli_io import target_values, write_table
from .cli_progress import show_progress
from .datasets import load_credit
from .estimators import ExplainableBoostingClassifier, ExplainableBoostingRegressor

#: The bundled data set of ``glassboost demo``, its target and the class the AUC is about.
DEMO_DATA = "the bundled credit data"
DEMO_TARGET = "Status"
DEMO_POSITIVE = "bad"
TOP_TERMS = 10


@contextmanager
def library_errors(action: str) -> Iterator[None]:
    """Turn the library's ValueError/TypeError (bad data or settings) into a CliError."""
    try:
        yield
    except (ValueError, TypeError) as error:
        raise CliError(f"{action}: {one_line(error)}") from None


def load_model(path: str) -> Any:
    """A fitted model from a glassboost model file; CliError if it is missing or not one."""
    check_file(path)
    try:
        return glassboost.load(Path(path))
    except (OSError, ValueError) as error:  # load raises ModelFileError, a ValueError
        raise CliError(f"{path} is not a valid glassboost model file: {one_line(error)}") from None


def is_classifier(model: Any) -> bool:
    """Whether the model predicts classes (it has class labels)."""
    return getattr(model, "classes_", None) is not None


def prediction_frame(model: Any, X: pd.DataFrame, explain: bool) -> pd.DataFrame:
    """One row per input row: the prediction, class probabilities, and optionally every term's
    contribution and the intercept (which add up to the score before the link)."""
    columns: dict[str, Any] = {}
    if is_classifier(model):
        probabilities = model.predict_proba(X)
        classes = list(model.classes_)
        columns["prediction"] = np.asarray(classes, dtype=object)[np.argmax(probabilities, axis=1)]
        for k, label in enumerate(classes):
            columns[f"proba_{label}"] = probabilities[:, k]
    else:
        columns["prediction"] = model.predict(X)
    if explain:
        contributions = model.eval_terms(X)
        intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
        if contributions.ndim == 3:  # multiclass: one score per class
            for t, name in enumerate(model.term_names_):
                for k, label in enumerate(model.classes_):
                    columns[f"{name}[{label}]"] = contributions[:, t, k]
            for k, label in enumerate(model.classes_):
                columns[f"intercept[{label}]"] = np.full(len(X), intercept[k])
        else:
            for t, name in enumerate(model.term_names_):
                columns[name] = contributions[:, t]
            columns["intercept"] = np.full(len(X), intercept[0])
    return pd.DataFrame(columns)


def metrics_text(model: Any, X: pd.DataFrame, y: np.ndarray) -> str:
    """AUC, log loss and accuracy for classifiers; RMSE, MAE and R^2 for regressors."""
    if is_classifier(model):
        classes = list(model.classes_)
        probabilities = model.predict_proba(X)
        predicted = np.asarray(classes, dtype=object)[np.argmax(probabilities, axis=1)]
        if len(classes) == 2:
            auc = roc_auc_score(y == classes[1], probabilities[:, 1])
        else:
            auc = roc_auc_score(y, probabilities, multi_class="ovr", labels=classes)
        return (f"AUC {auc:.4f}   log loss {log_loss(y, probabilities, labels=classes):.4f}   "
                f"accuracy {accuracy_score(y.astype(object), predicted):.4f}")
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
    start = time.perf_counter()
    with show_progress(quiet), library_errors("training failed"):
        model.fit(X, y)
    return time.perf_counter() - start


def write_outputs(model: Any, X: pd.DataFrame, y: np.ndarray | None, model_path: Path | str,
                  report_path: Path | str | None) -> None:
    """Save the model file and, when asked, the HTML report."""
    try:
        model.to_json(model_path)
        if report_path is not None:
            glassboost.report(model, X, y, report_path)
    except OSError as error:
        raise CliError(f"cannot write output: {one_line(error)}") from None


def check_output_dirs(*paths: str | None) -> None:
    """Fail before a long fit, not after it, when an output's directory does not exist."""
    for path in paths:
        if path is not None and not Path(path).resolve().parent.is_dir():
            raise CliError(f"cannot write {path}: directory {Path(path).parent} does not exist")


def train(args: argparse.Namespace) -> None:
    """Fit an EBM on a table, print training metrics and top terms, save the model."""
    check_output_dirs(args.out, args.report)
    X, target = split_target(read_table(args.data), args.target, args.data)
    task = infer_task(target) if args.task == "auto" else args.task
    y = target_values(target, task)
    estimator = ExplainableBoostingClassifier if task == "classification" else \
        ExplainableBoostingRegressor
    settings = {name: value for name, value in (("random_state", args.seed),
                                                 ("outer_bags", args.outer_bags),
                                                 ("interactions", args.interactions))
                if value is not None}
    model = estimator(**settings)
    seconds = fit_model(model, X, y, args.quiet)
    write_outputs(model, X, y, args.out, args.report)
    if args.quiet:
        return
    classes = f", {len(model.classes_)} classes" if is_classifier(model) else ""
    how = ", inferred from the target" if args.task == "auto" else ""
    print(f"Trained {estimator.__name__} on {args.data} ({task}{how}): "
          f"{len(X)} rows, {X.shape[1]} features{classes}, "
          f"{len(model.term_names_)} terms, {seconds:.1f} s")
    print(f"Training metrics (training rows, optimistic): {metrics_text(model, X, y)}")
    print(top_terms_text(model))
    print(f"Wrote {args.out}")
    if args.report is not None:
        print(f"Wrote {args.report}")


def predict(args: argparse.Namespace) -> None:
    """Predict every row of a table with a saved model; CSV to stdout or a file."""
    model = load_model(args.model)
    X = read_table(args.data)
    with library_errors("prediction failed"):
        frame = prediction_frame(model, X, args.explain)
    write_table(frame, args.out)


def report(args: argparse.Namespace) -> None:
    """Write the HTML report of a saved model on a table (with its target, if given)."""
    model = load_model(args.model)
    frame = read_table(args.data)
    if args.target is not None:
        X, target = split_target(frame, args.target, args.data)
        y = target_values(target, "classification" if is_classifier(model) else "regression")
    else:
        X, y = frame, None
    with library_errors("report failed"):
        glassboost.report(model, X, y, args.out)
    print(f"Wrote {args.out}")


def demo(args: argparse.Namespace) -> None:
    """Train on 80% of the credit data, evaluate on the held-out 20%, save model and report."""
    frame = load_credit()
    X, target = split_target(frame, DEMO_TARGET, DEMO_DATA)
    y = target_values(target, "classification")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    print(f"Credit data: {len(X)} loan applicants, {X.shape[1]} features, target "
          f"{DEMO_TARGET!r} (positive class {DEMO_POSITIVE!r}); training on {len(X_train)} rows, "
          f"holding out {len(X_test)}")
    model = ExplainableBoostingClassifier()
    seconds = fit_model(model, X_train, y_train, quiet=False)
    n_pairs = sum(len(features) == 2 for features in model.term_features_)
    print(f"Trained {len(model.term_names_)} terms ({len(model.term_names_) - n_pairs} main "
          f"effects, {n_pairs} pairs) in {seconds:.1f} s")
    print(f"Held-out metrics: {metrics_text(model, X_test, y_test)}")
    print(top_terms_text(model))
    out_dir = Path(args.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create {out_dir}: {one_line(error)}") from None
    write_outputs(model, X_test, y_test, out_dir / "model.json", out_dir / "report.html")
    print(f"Wrote {out_dir / 'model.json'}")
    print(f"Wrote {out_dir / 'report.html'}")
