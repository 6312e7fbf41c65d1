"""Softmax passes compiled once per class count (numba).

A pass whose class loops have a constant trip count unrolls and vectorizes them (see
docs/architecture.md, "The class count as a compile-time constant"). ``by_class_count`` turns a
factory of such passes into one compiled function that picks the pass for the scores' count.
"""

from typing import Callable

from numba import njit

#: Class counts whose softmax passes are compiled with the count as a constant
#: (``_softmax_step_pass``, ``_softmax_block_pass``); other counts take the passes that read it
#: from the scores.
FIXED_CLASS_COUNTS = (3, 4, 5, 6)


def by_class_count(make: Callable):
    """One compiled function that calls ``make(n)``'s pass for the scores' class count ``n``
    in ``FIXED_CLASS_COUNTS``, else ``make(0)``'s, which reads the count from the scores."""
    n1, n2, n3, n4 = FIXED_CLASS_COUNTS
    pass1, pass2, pass3, pass4 = (make(n) for n in FIXED_CLASS_COUNTS)
    any_count = make(0)

    @njit(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    def by_class_count(n_scores, args):
        if n_scores == n1:
            return pass1(*args)
        if n_scores == n2:
            return pass2(*args)
        if n_scores == n3:
            return pass3(*args)
        if n_scores == n4:
            return pass4(*args)
        return any_count(*args)

    return by_class_count

