"""SQL scoring: the query gives decision_function's scores in SQLite, DuckDB and PostgreSQL."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile

import numpy as np
import pandas as pd
import pytest

from glassboost import DataWarning, ExplainableBoostingClassifier, ExplainableBoostingRegressor
from glassboost.datasets import load_credit
from glassboost.io.sql import number, output_columns, quote_identifier, quote_string, to_sql

TOLERANCE = 1e-9
SETTINGS = dict(outer_bags=2, interactions=4, n_jobs=-1)


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return load_credit()


@pytest.fixture(scope="module")
def models(credit) -> dict:
    """Binary (the real task), multiclass (Job from the rest) and Poisson models on credit data."""
    X = credit.drop(columns="Status")
    known_job = X["Job"].notna()
    return {
        "binary": ExplainableBoostingClassifier(**SETTINGS).fit(X, credit["Status"] == "bad"),
        "multiclass": ExplainableBoostingClassifier(**dict(SETTINGS, interactions=2)).fit(
            X[known_job].drop(columns="Job"), X.loc[known_job, "Job"]),
        "poisson": ExplainableBoostingRegressor(objective="poisson_deviance", **SETTINGS).fit(
            X.drop(columns="Expenses"), X["Expenses"]),
    }


@pytest.fixture(scope="module")
def rows(credit) -> pd.DataFrame:
    """Rows to score: all of credit_data with unseen categories injected and a row key."""
    X = credit.drop(columns="Status").copy()
    X.loc[X.index[::7], "Home"] = "houseboat"
    X.loc[X.index[3::11], "Marital"] = "it's complicated"
    X.loc[X.index[5::13], "Job"] = "astronaut"
    X.insert(0, "row_id", np.arange(len(X)))
    return X


def _features(model, rows: pd.DataFrame) -> pd.DataFrame:
    return rows[list(model.feature_names_in_)]


def _expected(model, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    X = _features(model, rows)
    scores = model.decision_function(X).reshape(len(X), -1)
    if model.link_ == "logit":
        return scores, model.predict_proba(X)[:, 1:]
    if model.link_ == "mlogit":
        return scores, model.predict_proba(X)
    return scores, model.predict(X).reshape(-1, 1) if model.link_ == "log" else None


def _check(model, result: pd.DataFrame, rows: pd.DataFrame) -> None:
    result = result.sort_values("row_id")
    assert np.array_equal(result["row_id"].to_numpy(), rows["row_id"].to_numpy())
    scores, second = _expected(model, rows)
    got = result[[c for c in result.columns if str(c).startswith("score")]].to_numpy(float)
    np.testing.assert_allclose(got, scores, rtol=0, atol=TOLERANCE)
    if second is not None:
        names = [c for c in result.columns if str(c).startswith(("probability", "prediction"))]
        got = result[names].to_numpy(float)
        np.testing.assert_allclose(got, second, rtol=TOLERANCE, atol=TOLERANCE)


def _sql_type(series: pd.Series) -> str:
    return "DOUBLE PRECISION" if pd.api.types.is_numeric_dtype(series) else "TEXT"


def _records(rows: pd.DataFrame) -> list[tuple]:
    """Python values for the driver: NaN and pandas missing values become NULL."""
    frame = rows.astype(object).where(rows.notna(), None)
    return [tuple(r) for r in frame.itertuples(index=False)]


def _create(execute, rows: pd.DataFrame, table: str, placeholder: str,
            types: pd.DataFrame | None = None) -> None:
    """CREATE TABLE (column types taken from ``types``, default ``rows``) and INSERT the rows."""
    types = rows if types is None else types
    columns = ", ".join(f"{quote_identifier(c)} {_sql_type(t)}"
                        for c, (_, t) in zip(rows.columns, types.items()))
    execute(f"CREATE TABLE {quote_identifier(table)} ({columns})", None)
    marks = ", ".join([placeholder] * rows.shape[1])
    execute(f"INSERT INTO {quote_identifier(table)} VALUES ({marks})", _records(rows))


# ---- SQLite ----------------------------------------------------------------------------------
def _sqlite(rows: pd.DataFrame, table: str = "data",
            types: pd.DataFrame | None = None) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("SELECT EXP(1.0)")
    except sqlite3.OperationalError:  # SQLite built without its math functions
        connection.create_function("EXP", 1, np.exp, deterministic=True)

    def execute(sql, records):
        if records is None:
            connection.execute(sql)
        else:
            connection.executemany(sql, records)

    _create(execute, rows, table, "?", types)
    return connection


@pytest.mark.parametrize("kind", ["binary", "multiclass", "poisson"])
def test_sqlite(models, rows, kind):
    model = models[kind]
    connection = _sqlite(rows)
    _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), connection), rows)


def test_sqlite_text_in_numeric_column_is_unseen(models, rows):
    """SQLite columns can hold text; like glassboost, the query scores it as the unseen bin."""
    model = models["binary"]
    damaged = rows.astype({"Income": object})
    damaged.loc[damaged.index[::9], "Income"] = "n/a"
    connection = _sqlite(damaged, types=rows)
    _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), connection), damaged)


def test_sqlite_numbers_held_as_text_are_numbers(models, rows):
    """A table imported from CSV holds its numbers as TEXT; glassboost reads '3.5' as 3.5 and
    only text that is not a number as unseen, and so must the query."""
    model = models["binary"]
    text = rows.astype(object).where(rows.isna(), rows.astype(str))
    text["row_id"] = rows["row_id"]
    text.loc[text.index[::9], "Income"] = "n/a"
    for start, spelling in enumerate(["inf", "-Infinity", "INF", "+infinity", "-inf"]):
        text.loc[text.index[1 + start::11], "Income"] = spelling  # pandas: +-inf
    connection = _sqlite(text)  # every feature column TEXT
    _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), connection), text)


def test_sqlite_categories_stored_as_numbers():
    """SQLite keeps integers, reals and booleans (as 1 and 0) as numbers whatever a column's
    declared type; pandas' to_sql of the training frame must score as decision_function, and
    the text '01' is not the integer 1 (glassboost's label of 1 is '1')."""
    rng = np.random.default_rng(1)
    n = 600
    X = pd.DataFrame({
        "flag": rng.random(n) < 0.4,
        "code": rng.integers(0, 5, n),
        "half": rng.choice([0.5, 1.0, 2.5, 1e-5, 0.1, 1e16], n),
        "mixed": pd.Series(rng.choice(["01", "1", "a", "2.5"], n), dtype=object),
        "x": rng.normal(size=n),
    })
    X.loc[X["mixed"] == "1", "mixed"] = 1
    X.loc[X["mixed"] == "2.5", "mixed"] = 2.5
    y = (X["flag"] ^ (X["code"] % 2 == 0) ^ (X["half"] > 0.7)
         ^ (X["mixed"].astype(str) == "01") ^ (X["x"] > 0))
    model = ExplainableBoostingClassifier(
        outer_bags=1, n_jobs=1, interactions=0,
        feature_types=["nominal", "nominal", "nominal", "nominal", "continuous"]).fit(X, y)
    assert [sorted(level[0]) for level in model.bins_[:4]] == [
        ["False", "True"], ["0", "1", "2", "3", "4"], ["0.1", "0.5", "1", "1e+16", "1e-05", "2.5"],
        ["01", "1", "2.5", "a"]]
    mixed = model.term_scores_[3]
    assert mixed[model.bins_[3][0]["01"]] != mixed[model.bins_[3][0]["1"]]
    rows = X.assign(row_id=np.arange(n))
    typed = sqlite3.connect(":memory:")
    rows.to_sql("data", typed, index=False)  # INTEGER, INTEGER, REAL, TEXT, REAL
    untyped = sqlite3.connect(":memory:")
    untyped.execute("CREATE TABLE data (flag, code, half, mixed, x, row_id)")
    untyped.executemany("INSERT INTO data VALUES (?, ?, ?, ?, ?, ?)",
                        [tuple(v.item() if isinstance(v, np.generic) else v for v in row)
                         for row in rows.itertuples(index=False)])
    assert untyped.execute("SELECT count(DISTINCT typeof(mixed)) FROM data").fetchone()[0] == 3
    for connection in (typed, untyped):
        _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), connection), rows)


def test_quoting_of_names_and_labels(models, rows):
    """Tables, columns and categories with quotes and spaces go through quoting and escaping."""
    model = models["binary"]
    renamed = rows.rename(columns={"Home": 'my "home"', "Marital": "marital status"})
    connection = _sqlite(renamed, table='credit "rows"')
    query = to_sql(model, dialect="sqlite", table='credit "rows"',
                   columns={"Home": 'my "home"', "Marital": "marital status"})
    _check(model, pd.read_sql_query(query, connection), rows)


def test_table_in_a_schema_is_a_tuple_of_names(models, rows):
    """A string is one identifier, dots included; a tuple or list names a table in a schema."""
    model = models["binary"]
    assert 'FROM "main.data" AS d' in to_sql(model, table="main.data")
    assert 'FROM "my ""db"""."a.b" AS d' in to_sql(model, table=['my "db"', "a.b"])
    connection = _sqlite(rows, table="a.b")
    connection.execute("ATTACH DATABASE ':memory:' AS other")
    connection.execute('CREATE TABLE other.data AS SELECT * FROM "a.b"')
    for table in ("a.b", ("other", "data"), ["main", "a.b"]):
        _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite", table=table),
                                        connection), rows)
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        connection.register("frame", rows)
        connection.execute("CREATE SCHEMA s")
        connection.execute("CREATE TABLE s.data AS SELECT * FROM frame")
        _check(model, connection.execute(to_sql(model, dialect="duckdb",
                                                table=("s", "data"))).df(), rows)
    for bad in ((), ("s", ""), ("s", 3), {"s": "data"}, 7):
        with pytest.raises(ValueError, match="table must be a table name"):
            to_sql(model, table=bad)


# ---- DuckDB ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass", "poisson"])
def test_duckdb(models, rows, kind):
    duckdb = pytest.importorskip("duckdb")
    model = models[kind]
    with duckdb.connect() as connection:
        connection.register("data", rows)
        _check(model, connection.execute(to_sql(model, dialect="duckdb")).df(), rows)
        if kind == "binary":
            _check(model, connection.execute(to_sql(model, dialect="portable")).df(), rows)



def _nan_rows() -> tuple[ExplainableBoostingRegressor, pd.DataFrame]:
    """A regressor whose missing bin scores apart from the last bin, and rows with NaN."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    X.loc[X.index[::10], "x"] = np.nan
    model = ExplainableBoostingRegressor(outer_bags=2, n_jobs=1, interactions=1).fit(
        X, X["x"].fillna(-3.0) + X["z"])
    return model, X.assign(row_id=np.arange(len(X)))


def test_duckdb_nan_is_missing():
    """DuckDB keeps NaN apart from NULL and orders it above every number; glassboost reads
    NaN as missing, and so must the query."""
    duckdb = pytest.importorskip("duckdb")
    model, rows = _nan_rows()
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE data (x DOUBLE, z DOUBLE, row_id INTEGER)")
        connection.executemany("INSERT INTO data VALUES (?, ?, ?)",
                               [tuple(r) for r in rows.itertuples(index=False)])
        assert connection.execute("SELECT count(x) FROM data").fetchone()[0] == len(rows)
        _check(model, connection.execute(to_sql(model, dialect="duckdb")).df(), rows)


# ---- PostgreSQL ------------------------------------------------------------------------------
def _pg_binaries() -> str | None:
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True) + [
            shutil.which("initdb") or ""]:
        if initdb and os.access(initdb, os.X_OK):
            return os.path.dirname(os.path.realpath(initdb))
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server on a unix socket in a temporary directory."""
    psycopg = pytest.importorskip("psycopg")
    bindir = _pg_binaries()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl); see .ci/setup.d/postgresql.sh")
    prefix: list[str] = []
    root = tempfile.mkdtemp(prefix="glassboost-pg-")
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = os.path.join(root, "data"), os.path.join(root, "log"), _free_port()

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(prefix + list(command), capture_output=True, text=True,
                              timeout=120)

    started = run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "glassboost",
                  "--no-sync", "-E", "UTF8", "--locale=C")
    if started.returncode == 0:
        started = run(f"{bindir}/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o",
                      f"-p {port} -k {root} -c listen_addresses='' -c fsync=off", "start")
    if started.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a local PostgreSQL server: {started.stderr[-500:]}")
    try:
        # JIT-compiling a query this large takes far longer than running it (see the docs).
        with psycopg.connect(host=root, port=port, user="glassboost", dbname="postgres",
                             autocommit=True, options="-c jit=off") as connection:
            yield connection
    finally:
        run(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_rows(postgres, rows):
    def execute(sql, records):
        with postgres.cursor() as cursor:
            if records is None:
                cursor.execute(sql)
            else:
                cursor.executemany(sql, records)

    _create(execute, rows, "data", "%s")
    return rows


@pytest.mark.parametrize("kind", ["binary", "multiclass", "poisson"])
@pytest.mark.parametrize("dialect", ["postgresql", "portable"])
def test_postgresql(models, postgres, pg_rows, kind, dialect):
    model = models[kind]
    with postgres.cursor() as cursor:
        cursor.execute(to_sql(model, dialect=dialect))
        names = [d.name for d in cursor.description]
        result = pd.DataFrame(cursor.fetchall(), columns=names)
    _check(model, result, pg_rows)



def test_postgresql_nan_is_missing(postgres):
    model, rows = _nan_rows()
    with postgres.cursor() as cursor:
        cursor.execute("CREATE TABLE nan_rows (x DOUBLE PRECISION, z DOUBLE PRECISION, "
                       "row_id INTEGER)")
        cursor.executemany("INSERT INTO nan_rows VALUES (%s, %s, %s)",
                           [(float(x), float(z), int(i)) for x, z, i in
                            rows.itertuples(index=False)])
        cursor.execute(to_sql(model, dialect="postgresql", table="nan_rows"))
        result = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
    _check(model, result, rows)


# ---- the query text ----------------------------------------------------------------------------
def test_literals_and_identifiers():
    assert quote_identifier('a "b"') == '"a ""b"""'
    assert quote_string("it's \\ fine") == "'it''s \\ fine'"
    for value in (0.1, -0.0, 1e-300, 123456789.123456789, 5e-324, 2.0 ** 60):
        assert float(number(value)) == value and "e" in number(value)
    with pytest.raises(ValueError):
        number(float("nan"))
    with pytest.raises(ValueError, match="NUL"):
        quote_string("a\x00b")


def test_bad_arguments(models):
    model = models["binary"]
    with pytest.raises(ValueError, match="dialect"):
        to_sql(model, dialect="oracle")
    with pytest.raises(ValueError, match="unknown features"):
        to_sql(model, columns={"Nope": "x"})
    assert model.to_sql(dialect="sqlite") == to_sql(model, dialect="sqlite")


def test_fitted_model_value_is_exported_as_its_estimator(models, rows):
    """The FittedModel value (load_fitted_model's) scores as the estimator it came from."""
    from sklearn.exceptions import NotFittedError

    from glassboost.fitted_model import FittedModel

    for kind in ("binary", "multiclass"):
        model = models[kind]
        value = FittedModel.from_attributes(model)
        assert to_sql(value, dialect="sqlite") == to_sql(model, dialect="sqlite")
        assert output_columns(value) == output_columns(model)
    with pytest.raises(NotFittedError):
        to_sql(ExplainableBoostingClassifier())


def test_one_class_model_is_refused_by_link():
    X = pd.DataFrame({"x": np.arange(50.0) % 7})
    model = ExplainableBoostingClassifier(outer_bags=2, n_jobs=1).fit(X, np.ones(50, int))
    with pytest.raises(ValueError, match="'monoclassification' has no SQL export.*one class, 1"):
        to_sql(model)



def test_a_thousand_terms_stay_within_expression_depth_limits():
    """SQLite and DuckDB refuse expressions nested more than 1000 deep; the query's sum of
    terms must not nest one level per term."""
    X = pd.DataFrame({"x": np.arange(60.0) / 2, "c": list("abc") * 20, "row_id": np.arange(60)})
    model = ExplainableBoostingClassifier(outer_bags=2, n_jobs=1, interactions=0).fit(
        X[["x", "c"]], X["x"] % 7 < 3)
    model.term_features_ = list(model.term_features_) * 600
    model.term_scores_ = list(model.term_scores_) * 600
    model.term_names_ = [f"t{i}" for i in range(len(model.term_features_))]
    _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(X)), X)


# ---- pairs of coarsened nominals ---------------------------------------------------------------
@pytest.fixture(scope="module")
def coarsened():
    """A pair whose nominal has more categories than max_interaction_bins (coarsened for pairs),
    scored on rows with missing and unseen categories, and a row key."""
    rng = np.random.default_rng(7)
    n = 1500
    X = pd.DataFrame({"a": rng.integers(0, 30, n).astype(str).astype(object),
                      "b": rng.integers(0, 4, n).astype(str), "x": rng.normal(size=n)})
    y = (X["a"].astype(int) % 3 == 0) ^ (X["x"] > 0)
    model = ExplainableBoostingClassifier(
        outer_bags=2, max_rounds=60, max_interaction_bins=6, n_jobs=1,
        interactions=[("a", "x"), ("a", "b")]).fit(X, y)
    rows = X.copy()
    rows.loc[rows.index[::5], "a"] = "never seen"
    rows.loc[rows.index[2::7], "a"] = None
    rows.insert(0, "row_id", np.arange(n))
    return model, rows


def test_pairs_of_coarsened_nominals(coarsened):
    model, rows = coarsened
    assert len(model.bins_[0]) == 2  # the coarse category map is there
    assert model.term_scores_[model.term_names_.index("a & x")].shape[0] == 6 + 2
    _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(rows)), rows)
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        connection.register("data", rows)
        _check(model, connection.execute(to_sql(model, dialect="duckdb")).df(), rows)


# ---- date features -----------------------------------------------------------------------------
#: The view of docs/model-format.md: a date column's derived features computed in SQLite
DATE_VIEW = """CREATE VIEW scored_input AS SELECT *,
  CAST(strftime('%Y', "when") AS INTEGER) AS "when:year",
  CAST(strftime('%m', "when") AS INTEGER) AS "when:month",
  (CAST(strftime('%w', "when") AS INTEGER) + 6) % 7 AS "when:weekday",
  CAST(strftime('%H', "when") AS INTEGER) AS "when:hour",
  julianday("when") - julianday('1970-01-01') AS "when:days_since_1970"
FROM data"""


@pytest.mark.parametrize("datetime_features", ["parts", "timestamp"])
def test_date_features_are_read_from_derived_columns(datetime_features):
    rng = np.random.default_rng(4)
    n = 400
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900 * 24, n), unit="h")
    X = pd.DataFrame({"x": rng.normal(size=n), "when": when})
    X.loc[X.index[::9], "when"] = pd.NaT
    y = X["x"] + X["when"].dt.month.fillna(20) / 3 + (X["when"].dt.day_of_week == 5)
    with pytest.warns(DataWarning, match="'when' holds dates"):
        model = ExplainableBoostingRegressor(outer_bags=2, interactions=0, n_jobs=1,
                                             datetime_features=datetime_features).fit(X, y)
    rows = X.assign(when=X["when"].dt.strftime("%Y-%m-%d %H:%M:%S"), row_id=np.arange(n))
    connection = _sqlite(rows)
    with pytest.raises(sqlite3.OperationalError, match="no such column: d.when:"):
        connection.execute(to_sql(model, dialect="sqlite"))
    connection.execute(DATE_VIEW)
    result = pd.read_sql_query(to_sql(model, dialect="sqlite", table="scored_input"), connection)
    np.testing.assert_allclose(result.sort_values("row_id")["score"], model.decision_function(X),
                               rtol=0, atol=TOLERANCE)


def test_a_zoned_model_names_the_zone_its_date_parts_are_taken_in():
    rng = np.random.default_rng(6)
    n = 400
    instants = pd.Timestamp("2021-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, n), unit="h")
    X = pd.DataFrame({"x": rng.normal(size=n),
                      "when": pd.Series(instants).dt.tz_convert("Europe/Paris")})
    y = X["x"] + ((X["when"].dt.hour >= 9) & (X["when"].dt.hour < 17))
    with pytest.warns(DataWarning, match="'when' holds dates"):
        model = ExplainableBoostingRegressor(outer_bags=2, interactions=0, n_jobs=1).fit(X, y)
    query = to_sql(model, dialect="sqlite", table="scored_input")
    assert query.startswith("-- when:year, when:month, when:weekday, when:hour: parts of 'when' "
                            "in time zone 'Europe/Paris'\nSELECT ")
    # the view takes the parts of the local times in Paris, as the model does
    local = X["when"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M:%S")
    connection = _sqlite(X.assign(when=local, row_id=np.arange(n)))
    connection.execute(DATE_VIEW)
    result = pd.read_sql_query(query, connection)
    in_utc = X.assign(when=X["when"].dt.tz_convert("UTC"))
    np.testing.assert_allclose(result.sort_values("row_id")["score"],
                               model.decision_function(in_utc), rtol=0, atol=TOLERANCE)
    naive = ExplainableBoostingRegressor(outer_bags=2, interactions=0, n_jobs=1)
    with pytest.warns(DataWarning, match="'when' holds dates"):
        naive.fit(X.assign(when=X["when"].dt.tz_localize(None)), y)
    assert to_sql(naive).startswith("SELECT ")


# ---- output names ------------------------------------------------------------------------------
def test_output_names_differing_only_in_case_stay_apart():
    """Classes 'a' and 'A' and a feature named 'SCORE_B' would share column names in SQLite,
    which ignores letter case; each output column must hold its own class's value."""
    rng = np.random.default_rng(11)
    n = 600
    X = pd.DataFrame({"SCORE_B": rng.normal(size=n), "c": rng.choice(["u", "v", "w"], n)})
    y = np.where(X["SCORE_B"] > 0.5, "A", np.where(X["c"] == "u", "a", "b"))
    model = ExplainableBoostingClassifier(outer_bags=2, max_rounds=40, interactions=0,
                                          n_jobs=1).fit(X, y)
    assert list(model.classes_) == ["A", "a", "b"]
    names = output_columns(model)
    assert names == ["score_A", "score_a_2", "score_b_2", "probability_A", "probability_a_2",
                     "probability_b"]
    rows = X.assign(row_id=np.arange(n))
    result = pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(rows))
    assert list(result.columns) == list(rows.columns) + names
    result = result.sort_values("row_id")
    np.testing.assert_allclose(result[names[:3]].to_numpy(float), model.decision_function(X),
                               rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(result[names[3:]].to_numpy(float), model.predict_proba(X),
                               rtol=TOLERANCE, atol=TOLERANCE)
    binary = ExplainableBoostingClassifier(outer_bags=2, max_rounds=40, interactions=0,
                                           n_jobs=1).fit(X.rename(columns={"c": "Probability"}),
                                                         y == "a")
    assert output_columns(binary) == ["score", "probability_2"]
    assert output_columns(binary, {"Probability": "p"}) == ["score", "probability"]


def test_a_table_holding_an_output_name_is_refused(postgres):
    """The query appends 'score' and 'probability' to the table's own columns; a table already
    holding one gave the probabilities of its own 'score' in SQLite and DuckDB, without an
    error, and two columns of one name."""
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["u", "v"], 300)})
    binary = ExplainableBoostingClassifier(outer_bags=2, max_rounds=30, interactions=0,
                                           n_jobs=1).fit(X, X["x"] > 0)
    regressor = ExplainableBoostingRegressor(outer_bags=2, max_rounds=30, interactions=0,
                                             n_jobs=1).fit(X, X["x"])
    for model, held in ((binary, "Score"), (binary, "probability"), (regressor, "score")):
        rows = X.assign(**{held: 100.0}, row_id=np.arange(len(X)))
        with pytest.raises(pd.errors.DatabaseError,
                           match=f"ambiguous column name: {held.lower()}"):
            pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(rows))
        with duckdb.connect() as connection:
            connection.register("data", rows)
            with pytest.raises(duckdb.BinderException,
                               match=f'Ambiguous reference to column name "{held.lower()}"'):
                connection.execute(to_sql(model, dialect="duckdb"))
        renamed = rows.rename(columns={held: "earlier"})  # as a view would
        _check(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(renamed)),
               renamed)
    psycopg = pytest.importorskip("psycopg")
    rows = X.assign(probability=100.0, row_id=np.arange(len(X)))
    with postgres.cursor() as cursor:
        cursor.execute("CREATE TABLE held (x DOUBLE PRECISION, c TEXT, probability "
                       "DOUBLE PRECISION, row_id INTEGER)")
        cursor.executemany("INSERT INTO held VALUES (%s, %s, %s, %s)", _records(rows))
        with pytest.raises(psycopg.errors.AmbiguousColumn,
                           match='column reference "probability" is ambiguous'):
            cursor.execute(to_sql(binary, dialect="postgresql", table="held"))


# ---- extreme scores ----------------------------------------------------------------------------
#: Scores where exp saturates to 0 or inf, or gives numbers below the smallest normal double
EXTREME_SCORES = [-2000.0, -800.0, -745.2, -745.1, -720.0, -709.5, -700.0, -40.0, -1.0, 0.0,
                  709.7, 720.0, 800.0, 2000.0]


def _extreme_models() -> tuple[dict, pd.DataFrame]:
    """Binary, multiclass, Poisson and gamma models whose one term gives each row one of
    EXTREME_SCORES (the multiclass classes score s, 0 and -s/2), as an edited model can."""
    rng = np.random.default_rng(5)
    n = 280
    X = pd.DataFrame({"c": np.repeat(list("abcdefghijklmn"), n // 14)})
    x = rng.normal(size=n)
    fitted = {
        "binary": ExplainableBoostingClassifier(outer_bags=1, n_jobs=1).fit(X, x > 0),
        "multiclass": ExplainableBoostingClassifier(outer_bags=1, n_jobs=1).fit(
            X, np.where(x > 0.5, "u", np.where(x < -0.5, "v", "w"))),
        "poisson": ExplainableBoostingRegressor(objective="poisson_deviance", outer_bags=1,
                                                n_jobs=1).fit(X, np.exp(x)),
        "gamma": ExplainableBoostingRegressor(objective="gamma_deviance", outer_bags=1,
                                              n_jobs=1).fit(X, np.exp(x)),
    }
    models = {}
    for kind, model in fitted.items():
        table = np.zeros_like(model.term_scores_[0])
        for label, index in model.bins_[0][0].items():
            score = EXTREME_SCORES["abcdefghijklmn".index(label)]
            table[index] = score if table.ndim == 1 else [score, 0.0, -score / 2]
        model.intercept_ = np.zeros_like(np.asarray(model.intercept_, dtype=np.float64))
        models[kind] = model.set_term_scores(0, table)
    return models, X.assign(row_id=np.arange(n))


def _check_saturation(model, result: pd.DataFrame, rows: pd.DataFrame) -> None:
    """_check, and where Python's exp saturates (probability 0 or 1, mean 0 or inf) the query
    gives exactly that."""
    _check(model, result, rows)
    _, second = _expected(model, rows)
    names = output_columns(model)[-second.shape[1]:]
    got = result.sort_values("row_id")[names].to_numpy(float)
    for value in (0.0, 1.0, np.inf):
        assert np.array_equal(got == value, second == value)


@pytest.fixture(scope="module")
def extreme():
    return _extreme_models()


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
@pytest.mark.parametrize("kind", ["binary", "multiclass", "poisson", "gamma"])
def test_extreme_scores_saturate_as_in_python(extreme, postgres, kind):
    """exp(-720) is below the smallest normal double and exp(800) is inf: Python gives 0, 1 or
    inf there, and PostgreSQL's EXP raises an error; every dialect must give Python's answer."""
    models, rows = extreme
    model = models[kind]
    scores, second = _expected(model, rows)
    assert sorted(set(scores[:, 0])) == EXTREME_SCORES
    assert (second == 0).any() and ((second == 1).any() or np.isinf(second).any())
    _check_saturation(model, pd.read_sql_query(to_sql(model, dialect="sqlite"), _sqlite(rows)),
                      rows)
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        connection.register("data", rows)
        for dialect in ("duckdb", "portable"):
            _check_saturation(model, connection.execute(to_sql(model, dialect=dialect)).df(),
                              rows)
    table = f"extreme_{kind}"
    with postgres.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (c TEXT, row_id INTEGER)")
        cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s)", _records(rows))
        for dialect in ("postgresql", "portable"):
            cursor.execute(to_sql(model, dialect=dialect, table=table))
            result = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
            _check_saturation(model, result, rows)


# ---- numeric columns holding categories ------------------------------------------------------
def test_numeric_column_is_not_a_padded_label(postgres):
    """DuckDB and PostgreSQL convert a label to a numeric column's type, so 1 IN ('01') holds;
    glassboost labels the integer 1 '1', and the query must not give it the score of '01'."""
    rng = np.random.default_rng(6)
    n = 1000
    codes = rng.choice(["01", "1", "02", "2", "10", " 3", "3"], n,
                       p=[.25, .1, .25, .1, .1, .1, .1])
    X = pd.DataFrame({"code": codes, "x": rng.normal(size=n)})
    effect = {"01": 5, "1": -5, "02": 3, "2": -3, "10": 1, " 3": 7, "3": 0}
    model = ExplainableBoostingRegressor(outer_bags=1, n_jobs=1, interactions=0).fit(
        X, X["x"] + X["code"].map(effect))
    rows = pd.DataFrame({"code": rng.choice([1, 2, 10, 3, 4], n), "x": X["x"],
                         "row_id": np.arange(n)})
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        for frame in (rows, rows.astype({"code": float}), X.assign(row_id=np.arange(n))):
            connection.register("data", frame)
            for dialect in ("duckdb", "portable"):
                _check(model, connection.execute(to_sql(model, dialect=dialect)).df(), frame)
    with postgres.cursor() as cursor:
        cursor.execute("CREATE TABLE coded (code BIGINT, x DOUBLE PRECISION, row_id INTEGER)")
        cursor.executemany("INSERT INTO coded VALUES (%s, %s, %s)", _records(rows))
        cursor.execute(to_sql(model, dialect="postgresql", table="coded"))
        result = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
    _check(model, result, rows)


def test_nan_in_a_numeric_categorical_column_is_missing(postgres):
    """A float column declared nominal: glassboost reads NaN as missing; DuckDB and PostgreSQL
    hold NaN apart from NULL, and the query must send it to the missing bin, not the unseen."""
    rng = np.random.default_rng(12)
    n = 600
    X = pd.DataFrame({"f": rng.choice([0.5, 1.0, 2.5, np.nan], n), "x": rng.normal(size=n)})
    y = X["x"] + X["f"].fillna(-4.0)
    model = ExplainableBoostingRegressor(outer_bags=1, n_jobs=1, interactions=0,
                                         feature_types=["nominal", "continuous"]).fit(X, y)
    table = model.term_scores_[0]
    assert abs(table[0] - table[-1]) > 1  # the missing bin scores apart from the unseen one
    rows = X.assign(row_id=np.arange(n))
    records = [(float(f), float(x), int(i)) for f, x, i in rows.itertuples(index=False)]
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE data (f DOUBLE, x DOUBLE, row_id INTEGER)")
        connection.executemany("INSERT INTO data VALUES (?, ?, ?)", records)
        assert connection.execute("SELECT count(f) FROM data").fetchone()[0] == n
        _check(model, connection.execute(to_sql(model, dialect="duckdb")).df(), rows)
    with postgres.cursor() as cursor:
        cursor.execute("CREATE TABLE nan_codes (f DOUBLE PRECISION, x DOUBLE PRECISION, "
                       "row_id INTEGER)")
        cursor.executemany("INSERT INTO nan_codes VALUES (%s, %s, %s)", records)
        cursor.execute(to_sql(model, dialect="postgresql", table="nan_codes"))
        result = pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
    _check(model, result, rows)
