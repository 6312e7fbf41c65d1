"""The command line, end to end on the bundled credit data, plus every user-error path.

One full round trip runs in a subprocess (``python -m glassboost``); the rest calls ``main(argv)``
in-process, which is much faster. Fits use two bags where accuracy is not the point.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import glassboost
from glassboost import ExplainableBoostingClassifier
from glassboost.booster import BagProgress, progress_callback
from glassboost.cli import interactions_spec, main
from glassboost.cli_commands import prediction_frame
from glassboost.cli_io import CliError, formula_safe, infer_task, read_table
from glassboost.compilation import NOTICE as COMPILE_NOTICE_START
from glassboost.datasets import load_credit
from glassboost.cli_progress import ProgressLine, show_progress

SMALL = ["--outer-bags", "2", "--interactions", "4"]
N_PREDICT = 300
SEED = 42  # the default seed of the model and the test split


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
    # No progress display when stderr is not a terminal; the one-time compile notice may appear
    # if an earlier test in this run did not compile the same kernels.
    assert [line for line in result.stderr.splitlines()
            if line != COMPILE_NOTICE_START] == []
    assert "classification, inferred from the target" in result.stdout
    assert "Top 10 of" in result.stdout and "Wrote" in result.stdout
    assert "scores are log-odds of 'good'" in result.stdout
    train_stdout = result.stdout
    result = subprocess.run(command + ["predict", str(model), str(files["predict"]),
                                       "--out", str(preds)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return {"model": model, "preds": preds, "train_stdout": train_stdout}


@pytest.fixture(scope="module")
def split(files) -> tuple:
    """The training table split as ``train`` splits it by default: 20% held out, stratified by
    class, drawn with the default seed."""
    frame = pd.read_csv(files["train"])
    y = frame.pop("Status").astype(str).to_numpy(dtype=object)
    return train_test_split(frame, y, test_size=0.2, random_state=SEED, stratify=y)


@pytest.fixture(scope="module")
def reference(split) -> ExplainableBoostingClassifier:
    """The same model fitted with the Python API on the same training rows."""
    X_train, _, y_train, _ = split
    return ExplainableBoostingClassifier(outer_bags=2, interactions=4).fit(X_train, y_train)


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


def test_train_holds_out_a_stratified_seeded_split(trained, split, reference):
    """train prints training metrics on the rows it fitted and held-out metrics on the others:
    20% of the rows, stratified by class, drawn with the seed (the same split as sklearn's)."""
    X_train, X_test, y_train, y_test = split
    stdout = trained["train_stdout"]
    assert f"{len(X_train)} of {len(X_train) + len(X_test)} rows" in stdout
    held_out = re.search(r"Held-out metrics \((\d+) rows not used in fitting, --test-size 0.2\): "
                         r"AUC (\S+)", stdout)
    training = re.search(r"Training metrics \((\d+) rows the model was fitted on, optimistic\): "
                         r"AUC (\S+)", stdout)
    assert held_out and training, stdout
    assert int(held_out[1]) == len(X_test) and int(training[1]) == len(X_train)
    assert abs(np.mean(y_test == "good") - np.mean(y_train == "good")) < 0.01  # stratified
    for (X, y), printed in (((X_test, y_test), held_out[2]), ((X_train, y_train), training[2])):
        auc = roc_auc_score(y == "good", reference.predict_proba(X)[:, 1])
        assert float(printed) == pytest.approx(auc, abs=5e-5)


def test_model_files_are_compact_unless_bags_are_asked_for(files, trained, tmp_path, capsys):
    """train leaves out the per-bag tables by default and writes every table as a binary block;
    --include-bags keeps them and --compress writes gzip (adding .gz); predict and report read
    both kinds alike."""
    compact = json.loads(trained["model"].read_text(encoding="utf-8"))
    assert compact["detail"] == "mergeable" and compact["format_version"] == 4
    assert not any("bagged_scores" in term for term in compact["terms"])
    assert all(term[key]["codec"] == "shuffle-deflate-base64" for term in compact["terms"]
               for key in ("scores", "standard_deviations", "bin_weights"))
    assert f"Wrote {trained['model']} (" in trained["train_stdout"]

    full = tmp_path / "full.json"
    code, stdout, err = run(["train", str(files["train"]), "--target", "Status", "--out",
                             str(full), "--include-bags", "--compress", "--quiet"] + SMALL,
                            capsys)
    assert (code, err) == (0, "")
    assert not full.exists()
    gz = tmp_path / "full.json.gz"
    raw = gz.read_bytes()
    assert raw[:2] == b"\x1f\x8b"  # gzip
    document = json.loads(gzip.decompress(raw))
    assert document["detail"] == "all"
    assert all(term["bagged_scores"]["shape"][0] == 2 for term in document["terms"])
    assert trained["model"].stat().st_size < len(gzip.decompress(raw))

    predictions = {}
    for name, path in (("compact", trained["model"]), ("full", gz)):
        code, stdout, err = run(["predict", str(path), str(files["predict"]), "--explain",
                                 "--quiet"], capsys)
        assert (code, err) == (0, ""), err
        predictions[name] = pd.read_csv(io.StringIO(stdout))
        code, _, err = run(["report", str(path), str(files["predict"]), "--target", "Status",
                            "--out", str(tmp_path / f"{name}.html")], capsys)
        assert (code, err) == (0, ""), err
    # Same training rows and settings, so the same model: the files differ only in the bags.
    pd.testing.assert_frame_equal(predictions["compact"], predictions["full"])


def test_test_size_zero_trains_on_every_row(tmp_path, capsys):
    data, model = tmp_path / "small.csv", tmp_path / "small.json"
    load_credit().iloc[:300].to_csv(data, index=False)
    code, stdout, err = run(["train", str(data), "--target", "Status", "--out", str(model),
                             "--test-size", "0", "--outer-bags", "1", "--interactions", "0"],
                            capsys)
    assert code == 0, err
    assert "300 of 300 rows" in stdout and "Held-out metrics: none (--test-size 0" in stdout
    assert "Training metrics (300 rows" in stdout
    loaded = glassboost.load(model)
    assert loaded.bin_weights_[0].sum() == 300  # every row reached the model


def test_data_warnings_are_one_line_naming_the_tool(tmp_path, capsys):
    """A warning about the data reads 'glassboost: warning: ...', without the source line it was
    raised from (Python's runner under ``python -m glassboost``, which tells the user nothing)."""
    data, model = tmp_path / "ids.csv", tmp_path / "ids.json"
    frame = load_credit().iloc[:300].copy()
    frame.insert(0, "record", np.arange(1000, 1300))
    frame.to_csv(data, index=False)
    code, _, err = run(["train", str(data), "--target", "Status", "--out", str(model),
                        "--outer-bags", "1", "--interactions", "0", "--quiet"], capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if "looks like a row ID" in line]
    assert len(warned) == 1 and warned[0].startswith("glassboost: warning: Feature 'record'")
    assert "Warning" not in err and ".py:" not in err, err


def test_integer_class_labels(tmp_path, capsys):
    """0/1 labels: metrics are computed on the labels as they are (no object-array mix-up)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "noise": rng.normal(size=200),
                          "y": (x + rng.normal(scale=0.5, size=200) > 0).astype(int)})
    data, model = tmp_path / "ints.csv", tmp_path / "ints.json"
    frame.to_csv(data, index=False)
    code, stdout, err = run(["train", str(data), "--target", "y", "--out", str(model),
                             "--outer-bags", "1", "--interactions", "0"], capsys)
    assert code == 0, err
    assert "classes '0', '1'; scores are log-odds of '1'" in stdout
    assert re.search(r"Held-out metrics \(40 rows .* accuracy 0\.\d{4}", stdout)
    code, stdout, _ = run(["predict", str(model), str(data)], capsys)
    assert set(pd.read_csv(io.StringIO(stdout))["prediction"]) <= {0, 1}


def test_one_class_target_trains_and_says_there_are_no_metrics(tmp_path, capsys):
    """A target with one class gives a model that predicts it; train says why there are no
    metrics instead of failing after writing the model."""
    data, model = tmp_path / "one.csv", tmp_path / "one.json"
    pd.DataFrame({"x": np.arange(60.0) % 7, "y": ["yes"] * 60}).to_csv(data, index=False)
    code, stdout, err = run(["train", str(data), "--target", "y", "--out", str(model),
                             "--outer-bags", "1", "--interactions", "0"], capsys)
    assert (code, err) == (0, ""), err
    assert "classes 'yes'" in stdout
    assert stdout.count("metrics") == 2 and stdout.count("none (the target has one class") == 2
    code, stdout, err = run(["predict", str(model), str(data), "--quiet"], capsys)
    assert code == 0
    assert set(pd.read_csv(io.StringIO(stdout))["prediction"]) == {"yes"}


def test_drop_leaves_columns_out_of_the_model(tmp_path, capsys):
    """--drop keeps a row ID out of the features (the ID warning names it); predict ignores it."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": np.arange(200), "x": rng.normal(size=200)})
    frame["y"] = (frame["x"] > 0).astype(int)
    data, model = tmp_path / "ids.csv", tmp_path / "m.json"
    frame.to_csv(data, index=False)
    common = ["train", str(data), "--target", "y", "--outer-bags", "1", "--interactions", "0",
              "--quiet"]
    code, _, err = run(common + ["--out", str(tmp_path / "with_id.json")], capsys)
    assert code == 0 and "'id' looks like a row ID" in err
    code, _, err = run(common + ["--out", str(model), "--drop", "id"], capsys)
    assert (code, err) == (0, "")
    assert list(glassboost.load(model).feature_names_in_) == ["x"]
    code, _, err = run(common + ["--out", str(tmp_path / "n.json"), "--drop", "ID"], capsys)
    assert_user_error(code, err, "--drop 'ID'", "ids.csv", "id, x")
    code, _, err = run(common + ["--out", str(tmp_path / "n.json"), "--drop", "id", "x"], capsys)
    assert_user_error(code, err, "--drop leaves no feature columns")


def test_a_few_text_entries_in_a_number_column_are_named(tmp_path, capsys):
    """A number column that a few text entries turn into text is named, with those entries and
    the first data row holding one; a text column is not."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=200).round(3).astype(object)
    x[[6, 50]] = "unknown"
    frame = pd.DataFrame({"x": x, "kind": rng.choice(["a", "b", "1"], 200),
                          "y": rng.integers(0, 2, 200)})
    data = tmp_path / "stray.csv"
    frame.to_csv(data, index=False)
    code, _, err = run(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.json"),
                        "--outer-bags", "1", "--interactions", "0", "--quiet"], capsys)
    assert code == 0
    lines = [line for line in err.splitlines() if "read as text" in line]
    assert lines == [f"glassboost: warning: column 'x' of {data} is read as text, not numbers, "
                     "because of 2 of its 200 entries ('unknown'; first in data row 7); the rest "
                     "are numbers. If those entries mean missing, empty them, so 'x' is read as "
                     "numbers"]


def test_test_size_errors(tmp_path, capsys):
    for bad in ("1", "-0.1", "a lot"):
        code, _, err = run(["train", "x.csv", "--target", "y", "--test-size", bad], capsys)
        assert code == 2 and "--test-size" in err
    frame = pd.DataFrame({"x": range(12), "y": ["a"] * 6 + ["b"] * 5 + ["c"]})
    frame.to_csv(tmp_path / "rare.csv", index=False)
    code, _, err = run(["train", str(tmp_path / "rare.csv"), "--target", "y"], capsys)
    assert_user_error(code, err, "cannot hold out a test split", "--test-size 0")


def test_predict_explain_to_parquet(files, trained, capsys):
    out = files["root"] / "explained.parquet"
    code, stdout, err = run(["predict", str(trained["model"]), str(files["predict"]),
                             "--out", str(out), "--explain", "--quiet"], capsys)
    assert (code, stdout, err) == (0, "", "")
    frame = pd.read_parquet(out)
    model = glassboost.load(trained["model"])
    X = pd.read_csv(files["predict"])
    contributions = [f"contrib:{name}" for name in model.term_names_]
    assert list(frame.columns) == (["prediction", "proba_bad", "proba_good"]
                                   + contributions + ["intercept"])
    np.testing.assert_allclose(frame[contributions].to_numpy(), model.eval_terms(X),
                               rtol=0, atol=1e-12)
    score = frame[contributions + ["intercept"]].sum(axis=1)
    np.testing.assert_allclose(score, model.decision_function(X), rtol=0, atol=1e-10)


def test_predict_prints_csv_to_stdout(files, trained, capsys):
    code, stdout, err = run(["predict", str(trained["model"]), str(files["predict"]),
                             "--quiet"], capsys)
    assert (code, err) == (0, "")
    assert stdout.splitlines()[0] == "prediction,proba_bad,proba_good"
    assert pd.read_csv(io.StringIO(stdout)).equals(pd.read_csv(trained["preds"]))


def test_predict_counts_missing_and_unseen_values(files, trained, capsys):
    """predict tells on stderr, per feature, how many values were missing or never seen in
    training (they contribute 0): the predict table has 10 'castle' homes, 10 'astronaut' jobs
    and blanked ages, seniorities, incomes, marital states and records."""
    code, stdout, err = run(["predict", str(trained["model"]), str(files["predict"])], capsys)
    assert code == 0 and len(pd.read_csv(io.StringIO(stdout))) == N_PREDICT
    lines = err.splitlines()
    assert lines[0].startswith(f"Input coverage: ") and f"the {N_PREDICT} rows scored" in lines[0]
    assert lines[1].split() == ["feature", "missing", "unseen"]
    counts = {line.split()[0]: (int(line.split()[1]), int(line.split()[2])) for line in lines[2:]}
    X, seen = pd.read_csv(files["predict"]), pd.read_csv(files["train"])
    for name in ("Age", "Seniority", "Income", "Marital", "Records"):
        assert counts[name][0] == X[name].isna().sum() >= 10
    for name, new in (("Home", "castle"), ("Job", "astronaut")):
        assert counts[name] == (X[name].isna().sum(), 10)
        assert new not in set(seen[name])
    assert set(counts) == {name for name in X.columns if name != "Status"
                           and (X[name].isna().any() or name in ("Home", "Job"))}


def test_predict_keeps_one_row_per_data_line(files, trained, tmp_path, capsys):
    """A blank line in the middle of a CSV is a row (every feature missing), not skipped: the
    predictions stay beside the lines they belong to."""
    model, lines = str(trained["model"]), files["predict"].read_text().splitlines(keepends=True)
    blank = tmp_path / "blank.csv"
    blank.write_text("".join(lines[:4] + ["\n"] + lines[4:]))
    code, expected, _ = run(["predict", model, str(files["predict"]), "--quiet"], capsys)
    code, stdout, err = run(["predict", model, str(blank)], capsys)
    assert code == 0
    assert "1 data row(s) of" in err and "(data rows 4)" in err
    got, want = pd.read_csv(io.StringIO(stdout)), pd.read_csv(io.StringIO(expected))
    assert len(got) == N_PREDICT + 1
    pd.testing.assert_frame_equal(got.drop(index=3).reset_index(drop=True), want)


def test_report_command(files, trained, capsys):
    out = files["root"] / "report.html"
    code, stdout, err = run(["report", str(trained["model"]), str(files["predict"]),
                             "--target", "Status", "--out", str(out)], capsys)
    assert code == 0, err
    assert str(out) in stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_without_target(files, trained, capsys):
    """--target is optional: without labels the report shows the model and its predictions."""
    out = files["root"] / "unlabelled.html"
    data = files["root"] / "unlabelled.csv"
    pd.read_csv(files["predict"]).drop(columns=["Status"]).to_csv(data, index=False)
    code, stdout, err = run(["report", str(trained["model"]), str(data), "--out", str(out)],
                            capsys)
    assert (code, err) == (0, ""), err
    assert str(out) in stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Seniority" in html


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
    assert "Training metrics (480 rows" in stdout and "Held-out metrics (120 rows" in stdout
    html = report.read_text(encoding="utf-8")  # the report shows both, on the right rows
    assert re.search(r"<th[^>]*>Held out[^<]*\(120 rows", html)
    assert re.search(r"<th[^>]*>Training[^<]*\(480 rows", html)
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
        columns = ([f"contrib:{name}[{label}]" for name in loaded.term_names_]
                   + [f"intercept[{label}]"])
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

    # The demo and its report name the same class: the scores are log-odds of classes_[1].
    X = load_credit().drop(columns=["Status"]).iloc[:200]
    scores, probabilities = model.decision_function(X), model.predict_proba(X)
    np.testing.assert_allclose(probabilities[:, 1], 1 / (1 + np.exp(-scores)), atol=1e-12)
    assert "scores are log-odds of 'good'" in stdout and "positive class" not in stdout
    html = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    assert re.search(r"Scores are log-odds of</td>\s*<td>good<", html)


def test_demo_help_shows_one_percent_sign(capsys):
    code, stdout, _ = run(["demo", "--help"], capsys)
    assert code == 0
    assert "80% of the bundled credit data" in " ".join(stdout.split())
    assert "%%" not in stdout


# ---- hostile names in predict output --------------------------------------------------------
HYPERLINK = '=HYPERLINK("http://example.com/x","click")'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """A model whose feature names copy predict's own column names or look like formulas, and
    whose class labels are formulas; trained and scored through the command line."""
    root = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    n = 240
    x = rng.normal(size=(n, 4))
    y = np.where(x[:, 0] + x[:, 1] > 0, HYPERLINK, "@SUM(1+1)")
    frame = pd.DataFrame({"prediction": x[:, 0], "intercept": x[:, 1],
                          f"proba_{HYPERLINK}": x[:, 2], "-cmd": x[:, 3],
                          "label": y})
    paths = {"data": root / "data.csv", "model": root / "model.json", "root": root}
    frame.to_csv(paths["data"], index=False)
    code = main(["train", str(paths["data"]), "--target", "label", "--out", str(paths["model"]),
                 "--outer-bags", "1", "--interactions", "0", "--quiet", "--test-size", "0"])
    assert code == 0
    return paths


def test_explain_columns_never_overwrite_ours(hostile, capsys):
    """Features named 'prediction', 'intercept' or 'proba_<class>' get contribution columns of
    their own; ours keep the prediction, the probabilities and the intercept."""
    code, stdout, err = run(["predict", str(hostile["model"]), str(hostile["data"]), "--explain",
                             "--no-csv-guard"], capsys)
    assert (code, err) == (0, "")
    frame = pd.read_csv(io.StringIO(stdout))
    model = glassboost.load(hostile["model"])
    X = pd.read_csv(hostile["data"])
    assert len(set(frame.columns)) == len(frame.columns)
    assert (frame["prediction"].to_numpy(dtype=object) == model.predict(X)).all()
    np.testing.assert_allclose(frame[f"proba_{HYPERLINK}"], model.predict_proba(X)[:, 0],
                               atol=1e-12)
    np.testing.assert_allclose(frame["intercept"], model.intercept_[0], atol=1e-12)
    terms = [f"contrib:{name}" for name in model.term_names_]
    assert {"contrib:prediction", "contrib:intercept", f"contrib:proba_{HYPERLINK}"} <= set(terms)
    np.testing.assert_allclose(frame[terms], model.eval_terms(X), atol=1e-12)


def test_colliding_output_names_are_refused():
    """Should two output columns still get one name (here: two terms with the same name), the
    command refuses instead of writing one over the other."""

    class TwinTerms:
        classes_ = None
        term_names_ = ["x", "x"]
        intercept_ = 0.0

        def predict(self, X):
            return np.zeros(len(X))

        def eval_terms(self, X):
            return np.ones((len(X), 2))

    with pytest.raises(CliError, match="'contrib:x'"):
        prediction_frame(TwinTerms(), pd.DataFrame({"a": [1, 2]}), explain=True)


def test_csv_cells_that_look_like_formulas_are_neutralized(hostile, capsys):
    model, data = str(hostile["model"]), str(hostile["data"])
    code, stdout, _ = run(["predict", model, data, "--explain"], capsys)
    assert code == 0
    raw = pd.read_csv(io.StringIO(stdout), keep_default_na=False)
    labels = set(raw["prediction"])
    assert labels == {"'" + HYPERLINK, "'@SUM(1+1)"}
    assert not any(re.match(r"[=+\-@\t\r]", name) for name in raw.columns)
    contributions = raw.filter(like="contrib:")
    assert (contributions.to_numpy() < 0).any()  # negative numbers stay numbers
    assert all(pd.api.types.is_float_dtype(dtype) for dtype in contributions.dtypes)

    out = hostile["root"] / "guarded.csv"
    assert main(["predict", model, data, "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["prediction"]) == labels
    code, stdout, _ = run(["predict", model, data, "--no-csv-guard"], capsys)
    assert set(pd.read_csv(io.StringIO(stdout))["prediction"]) == {HYPERLINK, "@SUM(1+1)"}
    parquet = hostile["root"] / "typed.parquet"  # not a CSV: values stay as they are
    assert main(["predict", model, data, "--out", str(parquet)]) == 0
    assert set(pd.read_parquet(parquet)["prediction"]) == {HYPERLINK, "@SUM(1+1)"}


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+A1", "'+A1"), ("-A1", "'-A1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), (HYPERLINK, "'" + HYPERLINK),
    ("-1", "-1"), ("+2.5", "+2.5"), ("-1e-3", "-1e-3"), ("a=b", "a=b"), ("", ""),
    (-3.5, -3.5), (None, None),
])
def test_formula_safe(cell, safe):
    assert formula_safe(cell) == safe




# ---- user errors -----------------------------------------------------------------------------
def test_missing_target_column_lists_columns(files, capsys):
    code, _, err = run(["train", str(files["train"]), "--target", "status"], capsys)
    assert_user_error(code, err, "'status'", "Seniority, Home, Time")
    assert_user_error(code, err, "(did you mean 'Status'?)")


def test_column_names_with_spaces_around_them_show_them(tmp_path, capsys):
    """'id, x, y' headers give the names ' x' and ' y': the error quotes them and names the one
    meant."""
    data = tmp_path / "spaced.csv"
    data.write_text("id, x, y\n" + "".join(f"{i}, {i % 5}, {i % 2}\n" for i in range(40)))
    out = ["--out", str(tmp_path / "m.json")]
    code, _, err = run(["train", str(data), "--target", "y"] + out, capsys)
    assert_user_error(code, err, "(did you mean ' y'?)", "its columns are: id, ' x', ' y'")
    code, _, err = run(["train", str(data), "--target", " y", "--drop", "x"] + out, capsys)
    assert_user_error(code, err, "--drop 'x'", "(did you mean ' x'?)")


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


def test_semicolon_tab_and_decimal_comma_csv(files, trained, tmp_path, capsys):
    """A ';'-separated file with decimal commas (as spreadsheets save CSV in many locales) and a
    tab-separated one are read as the comma-separated original, numbers as numbers, and stderr
    says how they were read; predictions on stdout are the same as on the original."""
    model, original = str(trained["model"]), pd.read_csv(files["predict"])
    code, expected, _ = run(["predict", model, str(files["predict"]), "--quiet"], capsys)
    assert code == 0
    semicolon, tab = tmp_path / "european.csv", tmp_path / "tab.csv"
    original.to_csv(semicolon, sep=";", decimal=",", index=False)
    original.to_csv(tab, sep="\t", index=False)
    assert ";23,0;" in semicolon.read_text()
    code, stdout, err = run(["predict", model, str(semicolon), "--quiet"], capsys)
    assert code == 0 and stdout == expected
    assert err.startswith(f"glassboost: read {semicolon} as ';'-separated; read decimal commas "
                          "in ") and "'Income'" in err and "'Home'" not in err
    code, stdout, err = run(["predict", model, str(tab), "--quiet"], capsys)
    assert (code, stdout, err) == (0, expected, f"glassboost: read {tab} as tab-separated\n")


def test_thousands_separators_with_decimal_commas(tmp_path, capsys):
    """In a ';' file with decimal commas, a column of numbers such as '1.234,5' is read with '.'
    as thousands separator, and stderr says so; a column with an entry that is not written so
    ('1.5'), or any file writing a '.' decimal point, keeps '1.234' from being read as 1234."""
    european, mixed, dotted = (tmp_path / f"{name}.csv" for name in ("european", "mixed",
                                                                     "dotted"))
    european.write_text("amount;rate;y\n1.234,5;1,5;1\n12;2,25;0\n-1.234.567;3;1\n")
    mixed.write_text("amount;rate;y\n1.234,5;1,5;1\n1.5;2,25;0\n")
    dotted.write_text("amount;rate;y\n1.234,5;1.5;1\n12;2.25;0\n")
    frame = read_table(european)
    assert frame["amount"].tolist() == [1234.5, 12.0, -1234567.0]
    assert frame["rate"].tolist() == [1.5, 2.25, 3.0]
    assert capsys.readouterr().err == (
        f"glassboost: read {european} as ';'-separated; read decimal commas in 'rate'; read "
        "'.' thousands separators (1.234,5) in 'amount'\n")
    assert read_table(mixed)["amount"].tolist() == ["1.234,5", "1.5"]
    assert read_table(dotted)["amount"].tolist() == ["1.234,5", "12"]
    assert "thousands separators (" not in capsys.readouterr().err


def test_separator_is_guessed_from_data_lines_too(tmp_path, capsys):
    """A quoted ',' in a ';' header, or a header of one column, does not decide the separator
    alone: the data lines read as records of one width with ';', so the file is ';'-separated
    and its decimal commas are numbers. A ';' quoted in a ',' header leaves it ','."""
    quoted, one, comma = tmp_path / "quoted.csv", tmp_path / "one.csv", tmp_path / "comma.csv"
    quoted.write_text('"Income, net";Age;y\n1,5;30;1\n2,25;41;0\n')
    one.write_text("value\n1,5\n2,25\n")
    comma.write_text('a,"b;c",y\n1,2,3\n4,5,6\n')
    frame = read_table(quoted)
    assert list(frame.columns) == ["Income, net", "Age", "y"]
    assert frame["Income, net"].tolist() == [1.5, 2.25] and frame["Age"].tolist() == [30, 41]
    assert capsys.readouterr().err == (f"glassboost: read {quoted} as ';'-separated; read "
                                       "decimal commas in 'Income, net'\n")
    frame = read_table(one)
    assert list(frame.columns) == ["value"] and frame["value"].tolist() == [1.5, 2.25]
    frame = read_table(comma)
    assert list(frame.columns) == ["a", "b;c", "y"] and frame["y"].tolist() == [3, 6]
    assert capsys.readouterr().err.splitlines() == [
        f"glassboost: read {one} as ';'-separated; read decimal commas in 'value'"]


def test_data_rows_wider_than_the_header_are_refused(tmp_path):
    """pandas takes the first field of each row as a row label when the first data row has one
    field more than the header (a separator at the end of each line), and every value lands one
    column to the left; the command line refuses such a file instead."""
    for name, content in (("trailing.csv", "a,y\n1,2,\n4,5,\n"),
                          ("wider.csv", "a,y\n1,2,3\n4,5\n"),
                          ("two_more.csv", "a;y\n1;2;3;4\n5;6;7;8\n")):
        (tmp_path / name).write_text(content)
        with pytest.raises(CliError, match=f"{name}: its first data row has more fields than "
                                           r"its header has names \(2\)"):
            read_table(tmp_path / name)


def test_text_that_is_not_utf8_is_named_with_its_line(tmp_path, capsys):
    data = tmp_path / "latin1.csv"
    data.write_bytes("x,y\n1,a\n2,caf\xe9\n".encode("latin-1"))
    code, _, err = run(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.json")],
                       capsys)
    assert_user_error(code, err, "latin1.csv", "not UTF-8", "0xe9 on line 3", "save it as UTF-8")


def test_duplicate_column_names_are_refused(tmp_path, capsys):
    """pandas renames a repeated CSV column ('a', 'a.1'); the command line names it instead."""
    data = tmp_path / "dup.csv"
    data.write_text("a,b,a,y\n" + "".join(f"{i},{i % 3},{-i},{i % 2}\n" for i in range(40)))
    code, _, err = run(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.json")],
                       capsys)
    assert_user_error(code, err, "dup.csv", "two columns named 'a'", "columns 1 and 3")
    assert not (tmp_path / "m.json").exists()


def test_duplicate_parquet_column_names_are_refused(tmp_path, capsys):
    """Parquet can hold two columns of one name; the command line names them as for a CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "dup.parquet"
    values = np.arange(40)
    pq.write_table(pa.table([values, values % 3, -values, values % 2], names=["a", "b", "a", "y"]),
                   data)
    code, _, err = run(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.json")],
                       capsys)
    assert_user_error(code, err, "dup.parquet", "two columns named 'a'", "columns 1 and 3")
    assert not (tmp_path / "m.json").exists()


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
    code, _, err = run(["train", train, "--target", "Status", "--task", "regression"], capsys)
    assert_user_error(code, err, "'Status'", "not numeric")
    no_income = pd.read_csv(files["predict"]).drop(columns=["Income"])
    no_income.to_csv(tmp_path / "no_income.csv", index=False)
    code, _, err = run(["predict", str(trained["model"]), str(tmp_path / "no_income.csv")],
                       capsys)
    assert_user_error(code, err, "prediction failed on ", "no_income.csv", "Income")
    code, _, err = run(["report", str(trained["model"]), str(tmp_path / "no_income.csv"),
                        "--out", str(tmp_path / "r.html")], capsys)
    assert_user_error(code, err, "report failed on ", "no_income.csv", "Income")


def test_bad_output_paths(files, trained, tmp_path, capsys):
    code, _, err = run(["train", str(files["train"]), "--target", "Status",
                        "--out", str(tmp_path / "no" / "such" / "model.json")], capsys)
    assert_user_error(code, err, "does not exist")  # checked before fitting
    code, _, err = run(["predict", str(trained["model"]), str(files["predict"]),
                        "--out", str(tmp_path / "preds.xlsx")], capsys)
    assert_user_error(code, err, "preds.xlsx", "unsupported file type")


def test_existing_outputs_are_kept_unless_forced(files, trained, tmp_path, capsys):
    """Every command refuses, before any work, to replace a file that exists unless --force is
    given, and never writes over one of its own inputs or one output over another."""
    model, data = str(trained["model"]), str(files["predict"])
    kept = tmp_path / "kept.csv"
    kept.write_text("precious\n")
    for argv in (["predict", model, data],
                 ["report", model, data],
                 ["train", str(files["train"]), "--target", "Status"]):
        code, _, err = run(argv + ["--out", str(kept)], capsys)
        assert_user_error(code, err, "--out", "kept.csv", "exists already", "--force")
        assert kept.read_text() == "precious\n"
    code, _, err = run(["train", str(files["train"]), "--target", "Status", "--out",
                        str(tmp_path / "m.json"), "--report", str(kept)], capsys)
    assert_user_error(code, err, "--report", "exists already")
    assert not (tmp_path / "m.json").exists()
    (tmp_path / "report.html").write_text("mine")
    code, _, err = run(["demo", "--out-dir", str(tmp_path)], capsys)  # stops before fitting
    assert_user_error(code, err, "report.html", "exists already")
    assert (tmp_path / "report.html").read_text() == "mine"

    code, out, err = run(["predict", model, data, "--out", str(kept), "--force", "--quiet"],
                         capsys)
    assert (code, err) == (0, "")
    assert list(pd.read_csv(kept).columns) == ["prediction", "proba_bad", "proba_good"]

    copy = tmp_path / "copy.csv"
    copy.write_bytes(files["predict"].read_bytes())
    for argv in (["predict", model, str(copy), "--out", str(copy)],
                 ["train", str(copy), "--target", "Status", "--out", str(copy)],
                 ["report", model, str(copy), "--out", str(copy)]):
        code, _, err = run(argv + ["--force"], capsys)
        assert_user_error(code, err, "--out", "is an input file")
    assert copy.read_bytes() == files["predict"].read_bytes()
    both = str(tmp_path / "both.json")
    code, _, err = run(["train", str(files["train"]), "--target", "Status", "--out", both,
                        "--report", both], capsys)
    assert_user_error(code, err, "--report", "also the --out path")
    code, _, err = run(["report", model, data, "--out", str(tmp_path), "--force"], capsys)
    assert_user_error(code, err, "--out", "is a directory")


def test_links_to_an_input_are_refused_even_when_forced(files, trained, tmp_path, capsys):
    """A hard link or symbolic link to an input is that input under another name: --force
    never lets a command write over it, nor write two outputs into one file."""
    model = tmp_path / "model.json"
    model.write_bytes(trained["model"].read_bytes())
    data = tmp_path / "data.csv"
    data.write_bytes(files["predict"].read_bytes())
    (tmp_path / "hard.csv").hardlink_to(data)
    (tmp_path / "soft.csv").symlink_to(data)
    (tmp_path / "hard.json").hardlink_to(model)
    for argv in (["predict", str(model), str(data), "--out", str(tmp_path / "hard.csv")],
                 ["predict", str(model), str(data), "--out", str(tmp_path / "soft.csv")],
                 ["report", str(model), str(data), "--out", str(tmp_path / "hard.json")],
                 ["train", str(data), "--target", "Status", "--out", str(tmp_path / "hard.csv")]):
        code, _, err = run(argv + ["--force"], capsys)
        assert_user_error(code, err, "--out", "is an input file", "under another name")
    assert data.read_bytes() == files["predict"].read_bytes()
    assert model.read_bytes() == trained["model"].read_bytes()
    out = tmp_path / "out.json"
    out.write_text("old")
    (tmp_path / "out.html").hardlink_to(out)
    code, _, err = run(["train", str(data), "--target", "Status", "--out", str(out),
                        "--report", str(tmp_path / "out.html"), "--force"], capsys)
    assert_user_error(code, err, "--report", "also the --out path")
    assert out.read_text() == "old"


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


def test_scoring_imports_neither_sklearn_nor_plots_nor_report(files, trained, tmp_path):
    """Scoring a saved model (what 'glassboost predict' runs) loads neither scikit-learn nor a
    plotting library nor the report, so it starts fast; its output is the estimator's."""
    script = f"""
import sys
from glassboost.cli import main
code = main(["predict", {str(trained["model"])!r}, {str(files["predict"])!r}, "--explain",
             "--out", {str(tmp_path / "preds.csv")!r}])
print(code, sorted(name for name in sys.modules
                   if name.split(".")[0] in ("sklearn", "plotly", "matplotlib")
                   or name.startswith(("glassboost.report", "glassboost.explain",
                                       "glassboost.estimators"))))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["0", "[]"], result.stdout + result.stderr
    predicted = pd.read_csv(tmp_path / "preds.csv")
    X = pd.read_csv(files["predict"])
    model = glassboost.load(trained["model"])
    expected = prediction_frame(model, X, explain=True)
    assert list(predicted.columns) == list(expected.columns) and len(predicted) == N_PREDICT
    assert (predicted["prediction"].to_numpy(dtype=object) == model.predict(X)).all()
    np.testing.assert_allclose(predicted.drop(columns="prediction").to_numpy(),
                               expected.drop(columns="prediction").to_numpy(dtype=float),
                               rtol=1e-15, atol=0)  # CSV text holds every float exactly


def test_the_scoring_model_predicts_exactly_as_the_estimator(files, trained):
    from glassboost.loading import load_fitted_model

    X = pd.read_csv(files["predict"])
    estimator, fitted = glassboost.load(trained["model"]), load_fitted_model(trained["model"])
    for method in ("decision_function", "predict_proba", "eval_terms"):
        np.testing.assert_array_equal(getattr(fitted, method)(X), getattr(estimator, method)(X))
    assert (fitted.predict(X) == estimator.predict(X)).all()
    pd.testing.assert_frame_equal(prediction_frame(fitted, X, explain=True),
                                  prediction_frame(estimator, X, explain=True))
    with pytest.raises(ValueError, match="read-only"):
        fitted.term_scores_[0][0] = 1.0


def test_package_names_load_on_first_use():
    """The package's public names are imported lazily and stay the same objects; the report
    function keeps its name when its submodule is imported by path."""
    script = """
import sys
import glassboost
eager = [name for name in ("glassboost.estimators", "glassboost.report", "sklearn")
         if name in sys.modules]
import glassboost.report as by_path
from glassboost import report, ExplainableBoostingClassifier
from glassboost.estimators import ExplainableBoostingClassifier as defined
print(eager, callable(glassboost.report), by_path is report is glassboost.report,
      ExplainableBoostingClassifier is defined)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["[]", "True", "True", "True"], result.stdout + result.stderr


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
