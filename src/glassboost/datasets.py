"""Real data bundled with the package, so examples, the demo and tests run offline."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def load_credit() -> pd.DataFrame:
    """The credit data of the R package modeldata: 4,454 loan applicants, 13 features and the
    outcome ``Status`` ("good"/"bad"), with missing values. See ``glassboost/data/README.md``."""
    path = resources.files("glassboost") / "data" / "credit_data.csv.gz"
    with resources.as_file(path) as file:
        return pd.read_csv(file)
