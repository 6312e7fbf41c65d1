"""The command line, end to end on the bundled credit data, plus every user-error path.

One full round trip runs in a subprocess (``python -m glassboost``); the rest calls ``main(argv)``
in-process, which is much faster. Fits use two bags where accuracy is not the point.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import ExplainableBoostingClassifier
from glassboost.booster import BagProgress, progress_callback
from glassboost.cli import interactions_spec, main
from glassboost.datasets import load_credit
from glassboost.cli_io import infer_task
from glassboost.cli_progress import ProgressLine, show_progress

SMALL = ["--outer-bags", "2", "--interactions", "4"]
N_PREDICT = 300


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, to see what the progress display draws."""

    def isatty(self) -> bool:
        return True


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_user_error(code: int, err: str, *fragments: str) -> None:
    """Non-zero exit, one line 'glassboost: error: ...' naming the problem, no traceback."""
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("glassboost: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# ---- data ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Training CSV (the credit data minus its last rows) and a predict CSV of the held-back
    rows, with unseen categories, extra missing values, shuffled columns and the target kept."""
    root = tmp_path_factory.mktemp("cli")
    credit = load_credit()
    train, test = credit.iloc[:-N_PREDICT], credit.iloc[-N_PREDICT:].reset_index(drop=True)
    test = test.astype({"Seniority": "float64", "Age": "float64"})
    test.loc[0:9, "Home"] = "castle"  # categories never seen in training
    test.loc[5:14, "Job"] = "astronaut"
    test.loc[20:39, ["Age", "Seniority", "Income"]] = np.nan
    test.loc[40:49, ["Marital", "Records"]] = None
    test = test[list(reversed(test.columns))]
    paths = {"train": root / "train.csv", "predict": root / "predict.csv", "root": root}
    train.to_csv(paths["train"], index=False)
    test.to_csv(paths["predict"], index=False)
    return paths


@pytest.fixture(scope="module")
def trained(files) -> dict[str, Path]:
    """Train and predict through ``python -m glassboost`` in a fresh process."""
    root = files["root"]
    model, preds = root / "model.json", root / "preds.csv"
    command = [sys.executable, "-m", "glassboost"]
    result = subprocess.run(command + ["train", str(files["train"]), "--target", "Status",
                                       "--out", str(model)] + SMALL,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress display when stderr is not a terminal
    assert "classification, inferred from the target" in result.stdout
    assert "Top 10 of" in result.stdout and "Wrote" in result.stdout
    result = subprocess.run(command + ["predict", str(model), str(files["predict"]),
                                       "--out", str(preds)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return {"model": model, "preds": preds}


@pytest.fixture(scope="module")
def reference(files) -> ExplainableBoostingClassifier:
    """The same model fitted with the Python API."""
    frame = pd.read_csv(files["train"])
    y = frame.pop("Status")
    return ExplainableBoostingClassifier(outer_bags=2, interactions=4).fit(frame, y)


# ---- the round trip --------------------------------------------------------------------------
def test_subprocess_round_trip_matches_python_api(files, trained, reference):
    X = pd.read_csv(files["predict"])
    cli = pd.read_csv(trained["preds"])
    loaded = glassboost.load(trained["model"])
    assert list(cli.columns) == ["prediction", "proba_bad", "proba_good"]
    assert len(cli) == N_PREDICT
    for model in (loaded, reference):
        assert list(model.classes_) == ["bad", "good"]
        assert (cli["prediction"].to_numpy(dtype=object) == model.predict(X)).all()
        np.testing.assert_allclose(cli[["proba_bad", "proba_good"]].to_numpy(),
                                   model.predict_proba(X), rtol=0, atol=1e-12)
    assert reference.term_names_ == loaded.term_names_


def test_predict_explain_to_parquet(files, trained, capsys):
    out = files["root"] / "explained.parquet"
    code, stdout, err = run(["predict", str(trained["model"]), str(files["predict"]),
                             "--out", str(out), "--explain"], capsys)
    assert (code, stdout, err) == (0, "", "")
    frame = pd.read_parquet(out)
    model = glassboost.load(trained["model"])
    X = pd.read_csv(files["predict"])
    assert list(frame.columns) == (["prediction", "proba_bad", "proba_good"]
                                   + model.term_names_ + ["intercept"])
    np.testing.assert_allclose(frame[model.term_names_].to_numpy(), model.eval_terms(X),
                               rtol=0, atol=1e-12)
    score = frame[model.term_names_ + ["intercept"]].sum(axis=1)
    np.testing.assert_allclose(score, model.decision_function(X), rtol=0, atol=1e-10)


def test_predict_prints_csv_to_stdout(files, trained, capsys):
    code, stdout, err = run(["predict", str(trained["model"]), str(files["predict"])], capsys)
    assert (code, err) == (0, "")
    assert stdout.splitlines()[0] == "prediction,proba_bad,proba_good"
    assert pd.read_csv(io.StringIO(stdout)).equals(pd.read_csv(trained["preds"]))


def test_report_command(files, trained, capsys):
    out = files["root"] / "report.html"
    code, stdout, err = run(["report", str(trained["model"]), str(files["predict"]),
                             "--target", "Status", "--out", str(out)], capsys)
    assert code == 0, err
    assert str(out) in stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_regression_from_parquet_with_progress(files, monkeypatch, capsys):
    """Auto task on a many-valued numeric target is regression; progress draws on a terminal."""
    root = files["root"]
    data, model, report = root / "amount.parquet", root / "amount.json", root / "amount.html"
    load_credit().iloc[:600].to_parquet(data)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, stdout, _ = run(["train", str(data), "--target", "Amount", "--out", str(model),
                           "--report", str(report), "--outer-bags", "2", "--interactions", "0",
                           "--seed", "3"], capsys)
    assert code == 0, terminal.getvalue()
    assert "ExplainableBoostingRegressor" in stdout and "regression, inferred" in stdout
    assert "RMSE" in stdout and report.is_file()
    drawn = terminal.getvalue()
    assert "\rmain effects: 2/2 bags done | bag " in drawn and drawn.endswith("\n")
    assert "validation loss" in drawn and progress_callback.get() is None

    loaded = glassboost.load(model)
    assert loaded.random_state == 3 and loaded.outer_bags == 2
    code, stdout, _ = run(["predict", str(model), str(data)], capsys)
    assert code == 0
    predicted = pd.read_csv(io.StringIO(stdout))
    assert list(predicted.columns) == ["prediction"]
    np.testing.assert_allclose(predicted["prediction"], loaded.predict(pd.read_parquet(data)),
                               rtol=0, atol=1e-12)


def test_multiclass_explain_columns(files, capsys):
    root = files["root"]
    data, model = root / "home.csv.gz", root / "home.json"
    load_credit().dropna(subset=["Home"]).iloc[:800].to_csv(data, index=False)
    code, _, err = run(["train", str(data), "--target", "Home", "--out", str(model), "--quiet",
                        "--outer-bags", "1", "--interactions", "0"], capsys)
    assert (code, err) == (0, "")
    code, stdout, _ = run(["predict", str(model), str(data), "--explain"], capsys)
    frame = pd.read_csv(io.StringIO(stdout))
    loaded = glassboost.load(model)
    classes = list(loaded.classes_)
    assert len(classes) == 6
    assert [f"proba_{c}" for c in classes] == list(frame.columns[1:7])
    X = pd.read_csv(data)
    for k, label in enumerate(classes):
        columns = [f"{name}[{label}]" for name in loaded.term_names_] + [f"intercept[{label}]"]
        np.testing.assert_allclose(frame[columns].sum(axis=1),
                                   loaded.decision_function(X)[:, k], rtol=0, atol=1e-10)


def test_demo_writes_model_and_report(tmp_path, capsys):
    code, stdout, err = run(["demo", "--out-dir", str(tmp_path / "demo")], capsys)
    assert code == 0, err
    assert "Held-out metrics: AUC 0.8" in stdout
    assert "log loss" in stdout and "accuracy" in stdout and "Top 10 of" in stdout
    for name in ("model.json", "report.html"):
        path = tmp_path / "demo" / name
        assert path.is_file() and str(path) in stdout
    model = glassboost.load(tmp_path / "demo" / "model.json")
    assert list(model.classes_) == ["bad", "good"]


# ---- user errors -----------------------------------------------------------------------------
def test_missing_target_column_lists_columns(files, capsys):
    code, _, err = run(["train", str(files["train"]), "--target", "status"], capsys)
    assert_user_error(code, err, "'status'", "Seniority, Home, Time")


def test_target_with_missing_values(files, capsys):
    code, _, err = run(["train", str(files["train"]), "--target", "Home"], capsys)
    assert_user_error(code, err, "'Home'", "missing value")


def test_missing_and_unsupported_and_unreadable_files(tmp_path, capsys):
    code, _, err = run(["train", str(tmp_path / "nope.csv"), "--target", "y"], capsys)
    assert_user_error(code, err, "nope.csv", "no such file")
    (tmp_path / "data.txt").write_text("a,y\n1,2\n")
    code, _, err = run(["train", str(tmp_path / "data.txt"), "--target", "y"], capsys)
    assert_user_error(code, err, "data.txt", "unsupported file type")
    for name, content in (("bad.parquet", b"not parquet at all"), ("bad.csv.gz", b"plain text"),
                          ("empty.csv", b"")):
        (tmp_path / name).write_bytes(content)
        code, _, err = run(["train", str(tmp_path / name), "--target", "y"], capsys)
        assert_user_error(code, err, "cannot read", name)
    (tmp_path / "folder.csv").mkdir()
    code, _, err = run(["train", str(tmp_path / "folder.csv"), "--target", "y"], capsys)
    assert_user_error(code, err, "folder.csv", "is not a file")
    (tmp_path / "header.csv").write_text("a,y\n")
    code, _, err = run(["train", str(tmp_path / "header.csv"), "--target", "y"], capsys)
    assert_user_error(code, err, "header.csv", "no data rows")


def test_wrong_or_corrupt_model_file(files, tmp_path, capsys):
    data = str(files["predict"])
    code, _, err = run(["predict", str(tmp_path / "missing.json"), data], capsys)
    assert_user_error(code, err, "missing.json", "no such file")
    for name, content in (("corrupt.json", '{"format": "glassboost.ebm", "format_'),
                          ("other.json", '{"hello": "world"}'),
                          ("table.json", Path(data).read_text())):
        (tmp_path / name).write_text(content)
        code, _, err = run(["predict", str(tmp_path / name), data], capsys)
        assert_user_error(code, err, name, "not a valid glassboost model file")


def test_library_errors_exit_2(files, trained, tmp_path, capsys):
    train = str(files["train"])
    code, _, err = run(["train", train, "--target", "Status", "--outer-bags", "0"], capsys)
    assert_user_error(code, err, "training failed", "outer_bags")
    code, _, err = run(["train", train, "--target", "Status", "--interactions", "Age&Nope"],
                       capsys)
    assert_user_error(code, err, "training failed", "Nope")
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=20), "y": [0, 1] * 10})
    frame.to_parquet(tmp_path / "dates.parquet")
    code, _, err = run(["train", str(tmp_path / "dates.parquet"), "--target", "y"], capsys)
    assert_user_error(code, err, "training failed", "datetime")  # a TypeError in the library
    code, _, err = run(["train", train, "--target", "Status", "--task", "regression"], capsys)
    assert_user_error(code, err, "'Status'", "not numeric")
    no_income = pd.read_csv(files["predict"]).drop(columns=["Income"])
    no_income.to_csv(tmp_path / "no_income.csv", index=False)
    code, _, err = run(["predict", str(trained["model"]), str(tmp_path / "no_income.csv")],
                       capsys)
    assert_user_error(code, err, "prediction failed", "Income")


def test_bad_output_paths(files, trained, tmp_path, capsys):
    code, _, err = run(["train", str(files["train"]), "--target", "Status",
                        "--out", str(tmp_path / "no" / "such" / "model.json")], capsys)
    assert_user_error(code, err, "does not exist")  # checked before fitting
    code, _, err = run(["predict", str(trained["model"]), str(files["predict"]),
                        "--out", str(tmp_path / "preds.xlsx")], capsys)
    assert_user_error(code, err, "preds.xlsx", "unsupported file type")


def test_usage_errors_exit_2(capsys):
    code, _, err = run(["train", "data.csv"], capsys)
    assert code == 2 and "--target" in err
    code, _, err = run([], capsys)
    assert code == 2 and "COMMAND" in err
    code, _, err = run(["train", "x.csv", "--target", "y", "--interactions", "a&b&c"], capsys)
    assert code == 2 and "'a&b&c' is not a pair" in err


def test_subprocess_error_has_no_traceback(tmp_path):
    (tmp_path / "model.json").write_text("not json")
    (tmp_path / "data.csv").write_text("a\n1\n")
    result = subprocess.run([sys.executable, "-m", "glassboost", "predict",
                             str(tmp_path / "model.json"), str(tmp_path / "data.csv")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert_user_error(result.returncode, result.stderr, "not a valid glassboost model file")


# ---- pieces ----------------------------------------------------------------------------------
@pytest.mark.parametrize("values, task", [
    (["a", "b", "a"], "classification"),
    ([True, False, True], "classification"),
    ([0, 1, 1, 0], "classification"),
    ([1.0, 2.0, 5.0], "classification"),
    (list(range(10)), "classification"),
    (list(range(11)), "regression"),
    ([0.5, 1.0, 1.0], "regression"),
])
def test_infer_task(values, task):
    assert infer_task(pd.Series(values)) == task


def test_infer_task_categorical():
    assert infer_task(pd.Series(pd.Categorical([1, 2, 3] * 10))) == "classification"


def test_interactions_spec():
    assert interactions_spec("0") == 0
    assert interactions_spec("10") == 10
    assert interactions_spec("0.5") == 0.5
    assert interactions_spec("3x") == "3x"
    assert interactions_spec("Age & Income,Home&Job") == [("Age", "Income"), ("Home", "Job")]


def test_progress_line_counts_finished_bags():
    stream = FakeTerminal()
    line = ProgressLine(stream)
    line(BagProgress("main effects", 3, 4, 120, 0.41234567))
    line(BagProgress("main effects", 0, 4, 90, 0.4))
    line.close()
    first = "main effects: 1/4 bags done | bag 4: best step 120, validation loss 0.412346"
    second = "main effects: 2/4 bags done | bag 1: best step 90, validation loss 0.4"
    assert stream.getvalue() == f"\r{first}\r{second.ljust(len(first))}\n"


def test_progress_only_on_a_terminal_and_not_quiet():
    for stream, quiet in ((io.StringIO(), False), (FakeTerminal(), True)):
        with show_progress(quiet, stream):
            assert progress_callback.get() is None
        assert stream.getvalue() == ""
    stream = FakeTerminal()
    with show_progress(False, stream):
        assert isinstance(progress_callback.get(), ProgressLine)
        assert stream.getvalue().startswith("\rfitting: ")
    assert progress_callback.get() is None and stream.getvalue().endswith("\n")
