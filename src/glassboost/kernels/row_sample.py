"""Row samples of the smoothing rounds (numba): ``smoothing_max_rows``.

A smoothing round's random cuts need only each side's mean gradient, which a random sample of
the training rows estimates as well as every row once the sample holds some thousands. On more
training rows than asked, each smoothing round's histograms come from its own sample: every
training row is kept with probability ``rate`` and weighted ``1 / rate``, so that each
histogram is an unbiased estimate of the whole bag's (and a constant hessian, which the passes
never refill, stays the bag's). A pass skips a row of zero training weight wherever it can, so
the rows left out cost only their score update.

The draw is a hash of (seed, round, row), not numba's global random state, which the random
cuts draw from: a sample leaves the cuts as they are without one.
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_UNIT = 2.0**-53


@njit(inline="always")
def _mix(z):
    """SplitMix64's finalizer: a well-spread 64-bit hash of ``z``."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def uniform(seed, round_index, row):
    """A uniform draw in [0, 1) for one row of one round."""
    return _row_uniform(_mix(np.uint64(seed) * _GOLDEN + np.uint64(round_index)), row)


@njit(inline="always")
def _row_uniform(round_key, row):
    """``uniform`` from the round's part of the key."""
    key = round_key + np.uint64(row) * _GOLDEN
    return np.float64(_mix(key) >> np.uint64(11)) * _UNIT


@njit(cache=True)
def row_sample(train_w, train_wy, max_rows, seed):
    """The sample state of a stage: (the bag's weights, its weighted targets, the rate, the seed,
    a flag that the weights now hold a sample). The rate is ``max_rows`` over the bag's training
    rows (1: no sample, and then no copies; ``max_rows`` 0: never a sample)."""
    n_train = np.sum(train_w > 0.0) if max_rows > 0 else 0
    rate = 1.0 if n_train <= max_rows else max_rows / n_train
    if rate >= 1.0:
        return train_w[:0].copy(), train_wy[:0].copy(), 1.0, seed, np.zeros(1, np.bool_)
    return train_w.copy(), train_wy.copy(), rate, seed, np.zeros(1, np.bool_)


@njit(cache=True)
def weigh_rows(sample, train_w, train_wy, round_index, sampled_rounds):
    """Set the training weights a pass fills histograms with: round ``round_index``'s sample
    while it is one of the first ``sampled_rounds``, the bag's own weights after (restored
    once). Nothing when the stage takes no sample."""
    full_w, full_wy, rate, seed, sampled = sample
    restore = round_index >= sampled_rounds
    if rate >= 1.0 or (restore and not sampled[0]):
        return
    scale = 1.0 / rate
    # the round's part of every row's key once; loops, not slice assignments (see
    # ``stopping.copy_cells``), with selects rather than branches (a sample is random), and
    # the targets a column at a time (a row's loop over its columns does not vectorize)
    round_key = _mix(np.uint64(seed) * _GOLDEN + np.uint64(round_index))
    factors = np.empty(train_w.shape[0])
    for row in range(train_w.shape[0]):
        kept = full_w[row] > 0.0 and _row_uniform(round_key, row) < rate
        factors[row] = 1.0 if restore else (scale if kept else 0.0)
        train_w[row] = full_w[row] * factors[row]
    for k in range(train_wy.shape[1]):
        for row in range(train_w.shape[0]):
            train_wy[row, k] = full_wy[row, k] * factors[row] if factors[row] > 0.0 else 0.0
    sampled[0] = not restore
