"""Draw the README's pictures from a model of the bundled credit data.

Run from the repository root: ``python docs/make_images.py``. Writes ``docs/images/shape.png``
(the shape of the most important continuous term) and ``docs/images/local.png`` (one applicant's
explanation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from glassboost import ExplainableBoostingClassifier
from glassboost.datasets import load_credit

IMAGES = Path(__file__).resolve().parent / "images"


def main() -> None:
    frame = load_credit()
    y = frame.pop("Status").to_numpy()  # classes "bad", "good": scores are log-odds of "good"
    model = ExplainableBoostingClassifier(random_state=0).fit(frame, y)
    IMAGES.mkdir(exist_ok=True)

    explanation = model.explain_global()
    continuous = [t for t in explanation.terms
                  if not t.is_pair and t.axes[0].kind == "continuous"]
    top = max(continuous, key=lambda t: t.importance)
    explanation.plot(top.index, IMAGES / "shape.png")

    local = model.explain_local(frame, y)
    # A typical rejected applicant: complete data, actually bad, P(good) near 0.25.
    candidates = np.flatnonzero((y == "bad") & frame.notna().all(axis=1).to_numpy())
    row = candidates[np.argmin(np.abs(local.probabilities[candidates, 1] - 0.25))]
    local.plot(int(row), IMAGES / "local.png", max_terms=10)
    print(f"wrote {IMAGES / 'shape.png'} ({top.name}) and {IMAGES / 'local.png'} (row {row})")


if __name__ == "__main__":
    main()
