"""The ``glassboost`` command line: argument parsing and dispatch to :mod:`glassboost.cli_commands`.

User errors print one line, ``glassboost: error: ...``, and exit with status 2 (as argparse does
for usage errors); there are no tracebacks for bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Sequence

from . import __version__, cli_commands
from .cli_io import MAX_CLASS_VALUES, TABLE_FORMATS, CliError

TABLES = ", ".join(TABLE_FORMATS)


def interactions_spec(text: str) -> int | float | str | list[tuple[str, str]]:
    """Parse --interactions: a count ('10'), a fraction of the feature count ('0.5'), a multiple
    of it ('3x'), or explicit pairs ('Age&Income,Home&Job'). The estimator validates the value."""
    if "&" in text:
        pairs = []
        for item in text.split(","):
            names = [name.strip() for name in item.split("&")]
            if len(names) != 2 or not all(names):
                raise argparse.ArgumentTypeError(f"{item!r} is not a pair like 'Age&Income'")
            pairs.append((names[0], names[1]))
        return pairs
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


def test_fraction(text: str) -> float:
    """Parse --test-size: a fraction of the rows, at least 0 and below 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction in [0, 1)")
    return value


def add_force(command: argparse.ArgumentParser) -> None:
    """--force: the one way to let a command replace files that exist already."""
    command.add_argument("--force", action="store_true",
                         help="overwrite output files that exist already (by default the "
                              "command stops before any work; an input file is never "
                              "overwritten)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="glassboost",
        description="Train, apply and explain Explainable Boosting Machines from the shell.",
    )
    parser.add_argument("--version", action="version", version=f"glassboost {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train", help="fit a model on a table and save it",
        description="Fit an EBM on a CSV or Parquet table, holding out a test split, print "
                    "training and held-out metrics and the most important terms, and save the "
                    "model as JSON.",
    )
    train.add_argument("data", metavar="DATA", help=f"training table ({TABLES})")
    train.add_argument("--target", required=True, metavar="COL", help="the column to predict")
    train.add_argument("--drop", nargs="+", default=[], metavar="COL",
                       help="columns of DATA that are not features, such as row IDs or names "
                            "(predict ignores columns the model does not use)")
    train.add_argument(
        "--task", choices=("auto", "classification", "regression"), default="auto",
        help="auto (default): classification when the target is text, boolean or categorical, "
             f"or whole numbers with at most {MAX_CLASS_VALUES} distinct values; "
             "regression otherwise",
    )
    train.add_argument("--out", default="model.json", metavar="PATH",
                       help="model file to write (default: model.json); a path ending in .gz "
                            "is written gzip-compressed")
    train.add_argument("--compress", action="store_true",
                       help="write the model file gzip-compressed, adding .gz to its name")
    train.add_argument("--include-bags", action="store_true",
                       help="also save the per-bag tables (most of a file's size; needed only "
                            "to re-average or inspect the bags); by default the file holds what "
                            "prediction, explanations, reports and merging need")
    train.add_argument("--report", metavar="PATH",
                       help="also write an HTML report here (on the held-out rows)")
    train.add_argument(
        "--test-size", type=test_fraction, default=0.2, metavar="FRACTION",
        help="fraction of the rows held out to measure the model, stratified by class for "
             "classification and drawn with --seed (default: 0.2; 0 trains on every row)",
    )
    train.add_argument("--seed", type=int, metavar="N",
                       help="random seed of the model and the test split (default: 42)")
    train.add_argument("--outer-bags", type=int, metavar="N",
                       help="number of bagged models to average (default: 14)")
    train.add_argument(
        "--interactions", type=interactions_spec, metavar="SPEC",
        help="pairs to add: a count (10), a multiple of the feature count (3x), or explicit "
             "pairs (Age&Income,Home&Job); default 3x for classification, 5x for regression",
    )
    train.add_argument("--quiet", action="store_true",
                       help="no progress display and no summary")
    add_force(train)
    train.set_defaults(run=cli_commands.train)

    predict = commands.add_parser(
        "predict", help="predict a table with a saved model",
        description="Predict every row of a table. Classifiers give the predicted class "
                    "('prediction') and one 'proba_<class>' column per class; regressors give "
                    "'prediction'. Columns are matched by name; extra columns are ignored.",
    )
    predict.add_argument("model", metavar="MODEL", help="model file written by 'train'")
    predict.add_argument("data", metavar="DATA", help=f"table to predict ({TABLES})")
    predict.add_argument("--out", metavar="PATH",
                         help=f"write predictions here ({TABLES}); default: CSV to stdout")
    predict.add_argument("--explain", action="store_true",
                         help="add each term's contribution ('contrib:<term>') and the "
                              "'intercept' (they sum to the score before the link)")
    predict.add_argument("--no-csv-guard", dest="csv_guard", action="store_false",
                         help="write CSV text cells as they are; by default a cell starting "
                              "with =, +, -, @, tab or carriage return (other than a number) "
                              "gets a leading ' so spreadsheets do not run it as a formula")
    predict.add_argument("--quiet", action="store_true",
                         help="no input coverage summary on stderr (by default, features with "
                              "missing values or values unseen in training are counted there)")
    add_force(predict)
    predict.set_defaults(run=cli_commands.predict)

    report = commands.add_parser(
        "report", help="write the HTML report of a saved model",
        description="Write the HTML report of a saved model on a table.",
    )
    report.add_argument("model", metavar="MODEL", help="model file written by 'train'")
    report.add_argument("data", metavar="DATA", help=f"table to report on ({TABLES})")
    report.add_argument("--target", metavar="COL",
                        help="the target column, for metrics and the rows with the largest "
                             "errors (without it, the report shows the model and its "
                             "predictions)")
    report.add_argument("--out", required=True, metavar="PATH", help="HTML file to write")
    add_force(report)
    report.set_defaults(run=cli_commands.report)

    dashboard = commands.add_parser(
        "dashboard", help="compare a saved model with other models on one HTML page",
        description="Write one offline HTML page comparing a saved model, and optionally "
                    "pickled or joblib models with a scikit-learn API, on a table with its "
                    "target: performance curves, importances, feature shapes and explained "
                    "rows.",
    )
    dashboard.add_argument("model", metavar="MODEL", help="model file written by 'train'")
    dashboard.add_argument("data", metavar="DATA", help=f"table to compare on ({TABLES})")
    dashboard.add_argument("--target", required=True, metavar="COL", help="the target column")
    dashboard.add_argument("--compare", nargs="+", default=[], metavar="PICKLE",
                           help="pickle or joblib files of fitted models to show beside it "
                                "(loading a pickle runs its code: use only files you trust)")
    dashboard.add_argument("--features", nargs="+", metavar="COL",
                           help="features whose shapes to show (default: the model's three "
                                "most important)")
    dashboard.add_argument("--rows", nargs="+", type=int, default=[0, 1], metavar="N",
                           help="positions of the rows to explain (default: 0 1)")
    dashboard.add_argument("--out", required=True, metavar="PATH", help="HTML file to write")
    add_force(dashboard)
    dashboard.set_defaults(run=cli_commands.dashboard)

    demo = commands.add_parser(
        "demo", help="train and evaluate on the bundled credit data",
        description="Train on 80% of the bundled credit data (target Status), print held-out "
                    "AUC, log loss and accuracy and the top terms, and write model.json and "
                    "report.html.",
    )
    demo.add_argument("--out-dir", default="glassboost-demo", metavar="DIR",
                      help="where to write model.json and report.html (default: glassboost-demo)")
    add_force(demo)
    demo.set_defaults(run=cli_commands.demo)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line naming the tool: on the command line the input is a file, so
    the source line a library warning points at (Python's own runner) tells the user nothing."""
    print(f"glassboost: warning: {message}", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 success, 2 user error)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors: argparse already printed
        return int(exit_.code or 0)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            args.run(args)
    except CliError as error:
        print(f"glassboost: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nglassboost: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
