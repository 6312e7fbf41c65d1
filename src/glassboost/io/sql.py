"""One SQL query that scores every row of a table with a fitted EBM, inside the database.

Every term becomes a CASE expression over its feature columns (nested, one level per feature of
an interaction of any order: a term's query text grows with its table's size), so the query
needs nothing but comparisons, addition and EXP (guarded where exp saturates to 0 or inf, which
PostgreSQL's EXP reports as an error, so that probabilities and means are Python's there too).
The query keeps the input columns (``d.*``) and appends ``score`` (and ``probability`` for
classifiers) so rows can be matched to their keys; those names are made unique ignoring letter
case (see ``to_sql``), and the input table's other columns must not already have them: the query
makes the engine refuse a table that does (see ``_held_names_guard``).

Semantics match ``decision_function`` bin for bin: SQL NULL is the missing bin, and so is NaN in
the ``duckdb`` and ``postgresql`` dialects (``portable`` does not test for NaN: on those engines
it lands in the last bin); a category absent from the model's map gets the unseen score. A
continuous column in a typed SQL table cannot hold text, so its unseen bin never applies, except
in SQLite, whose columns can hold text anyway: there the ``sqlite`` dialect reads text that is a
number ('3.5', as in a column imported from CSV) as that number, 'inf' and '-Infinity' as pandas
reads them, and sends other text and blobs to the unseen bin, like glassboost does.
Categorical columns must hold the category labels as text (the keys of ``bins_``), except in
SQLite, which keeps integers, reals and booleans (as 1 and 0) as numbers in any column: there the
``sqlite`` dialect compares a number as glassboost labels it (see ``_sqlite_is_one_of``, and
``_typed_is_one_of`` for DuckDB's and PostgreSQL's numeric columns). In pairs, a
feature whose categories were coarsened for interactions is looked up in its coarse map (the
second entry of its ``bins_``), as ``decision_function`` does.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..binning import FeatureBins, feature_bins_from_levels
from ..datetimes import TIMESTAMP, as_conversions
from ..fitted_model import FittedModel
from ..schema import BOOLEAN_TWINS, CONTINUOUS, category_label

DIALECTS = ("portable", "sqlite", "duckdb", "postgresql")
# Where exp saturates: it is 0 below the first bound and inf above the second (for doubles, as
# Python computes it). PostgreSQL's EXP raises an error there instead, so the query tests for them.
_EXP_ZERO_BELOW = -745.1332191019411  # the least double whose exp is not 0
_EXP_INF_ABOVE = 709.782712893384  # the greatest double whose exp is finite
# DuckDB and PostgreSQL columns can hold NaN, which they order above every number and hold equal
# to itself; NaN is glassboost's missing value, so their queries send it to the missing bin (in
# continuous features, and in categorical ones whose labels are all numbers).
_NAN_DIALECTS = ("duckdb", "postgresql")
_NAN = "CAST('NaN' AS DOUBLE PRECISION)"


def quote_identifier(name: str) -> str:
    """A double-quoted SQL identifier (embedded quotes doubled)."""
    if "\x00" in name:
        raise ValueError(f"SQL identifiers cannot contain NUL characters: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_string(text: str) -> str:
    """A single-quoted SQL string literal (embedded quotes doubled, backslashes literal)."""
    if "\x00" in text:
        raise ValueError(f"SQL strings cannot contain NUL characters: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def number(value: float) -> str:
    """A float as an approximate-numeric SQL literal that parses back to the same double."""
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"cannot write the non-finite value {value} into SQL")
    text = repr(value)
    return text if "e" in text else text + "e0"


def _greatest(dialect: str, arguments: Sequence[str]) -> str:
    name = "MAX" if dialect == "sqlite" else "GREATEST"
    return f"{name}({', '.join(arguments)})"


def _infinity(dialect: str) -> str:
    return "9e999" if dialect == "sqlite" else "CAST('Infinity' AS DOUBLE PRECISION)"


def _exp(dialect: str, argument: str, overflows: bool = False) -> str:
    """EXP giving Python's 0 (and inf, when ``argument`` can exceed 709) where exp saturates."""
    high = (f" WHEN {argument} > {number(_EXP_INF_ABOVE)} THEN {_infinity(dialect)}"
            if overflows else "")
    return (f"CASE WHEN {argument} < {number(_EXP_ZERO_BELOW)} THEN 0.0e0{high} "
            f"ELSE EXP({argument}) END")


def _real_literal(label: str) -> str | None:
    """The float whose category label is ``label``, as a literal (SQLite's for infinities);
    None if no float has that label."""
    try:
        value = float(label)
    except ValueError:
        return None
    if category_label(value) != label:  # ' 1', '01', '1.0', '1_0', 'infinity' are text only
        return None
    return number(value) if np.isfinite(value) else ("-" if value < 0 else "") + "9e999"


def _is_one_of(ref: str, labels: list[str], categories: dict[str, int], dialect: str) -> str:
    """``ref`` holds one of the category ``labels`` (``categories`` is the feature's map)."""
    if dialect == "sqlite":
        return _sqlite_is_one_of(ref, labels, categories)
    return _typed_is_one_of(ref, labels)


def _sqlite_is_one_of(ref: str, labels: list[str], categories: dict[str, int]) -> str:
    """``ref`` holds one of ``labels``, in SQLite.

    SQLite columns hold what was inserted, whatever their declared type: pandas' ``to_sql``
    writes integer-coded categories as integers, floats as reals and booleans as 1 and 0. Each is
    compared as glassboost labels that Python value: an integer by its decimal text (1 is '1',
    never '01' or '1.0'), a real by the float of its label (1.0 is '1', 2.5 is '2.5'), 1 and 0
    as 'True' and 'False' when the map has no '1' or '0', and text and blobs as text.
    """
    texts = ", ".join(quote_string(label) for label in labels)
    tests = [f"(typeof({ref}) <> 'real' AND CAST({ref} AS TEXT) IN ({texts}))"]
    booleans = [digit for digit, twin in BOOLEAN_TWINS.items()
                if twin in labels and digit not in categories]
    if booleans:
        tests.append(f"(typeof({ref}) = 'integer' AND {ref} IN ({', '.join(booleans)}))")
    reals = [r for r in map(_real_literal, labels) if r is not None]
    if reals:
        tests.append(f"(typeof({ref}) = 'real' AND {ref} IN ({', '.join(reals)}))")
    return " OR ".join(tests)


def _reads_as_number(label: str) -> bool:
    """Text such as '01', ' 1' or '1.0' that reads as a number but is no number's label."""
    try:
        value = float(label)
    except ValueError:
        return False
    return category_label(value) != label


def _typed_is_one_of(ref: str, labels: list[str]) -> str:
    """``ref`` holds one of ``labels``, in engines whose columns have one type: a numeric
    column converts the labels to its type, so 1 IN ('01') holds, where glassboost labels the
    integer 1 '1'. Labels that read as numbers without being a number's label are compared
    with the column's text instead (an integer's is its digits)."""
    plain = [quote_string(label) for label in labels if not _reads_as_number(label)]
    as_text = [quote_string(label) for label in labels if _reads_as_number(label)]
    tests = [f"{ref} IN ({', '.join(plain)})"] if plain else []
    if as_text:
        tests.append(f"CAST({ref} AS VARCHAR) IN ({', '.join(as_text)})")
    return " OR ".join(tests)


def _case(ref: str, bins: FeatureBins, interaction: bool, values: list[str],
          dialect: str) -> str:
    """CASE over one feature's bins; ``values`` holds one SQL expression per bin."""
    otherwise = values[-1] if bins.kind != CONTINUOUS else values[-2]
    branches = []
    if values[0] != otherwise:
        missing = f"{ref} IS NULL"
        if bins.kind == CONTINUOUS and dialect in _NAN_DIALECTS:
            missing += f" OR {ref} = {_NAN}"
        elif dialect in _NAN_DIALECTS and all(map(_real_literal, bins.categories)):
            # categories that are all numbers' labels come from a numeric column, which can
            # hold NaN here; its text is the test, as a column of integers cannot be NaN
            missing += f" OR CAST({ref} AS VARCHAR) IN ('NaN', 'nan', '-nan')"
        branches.append(f"WHEN {missing} THEN {values[0]}")
    if bins.kind == CONTINUOUS:
        # SQLite columns can hold text: text that is a number ('3.5') compares as that number,
        # other text and blobs are unseen, as glassboost reads them
        x = f"CAST({ref} AS REAL)" if dialect == "sqlite" else ref
        cuts = bins.interaction_cuts if interaction else bins.cuts
        # bin i holds cuts[i-2] <= x < cuts[i-1]
        by_cut = [f"WHEN {x} < {number(cut)} THEN {values[i]}"
                  for i, cut in enumerate(cuts, start=1) if values[i] != values[i + 1]]
        if dialect == "sqlite" and (by_cut or values[-1] != otherwise):
            # pandas reads 'inf', '-Infinity', ... in any letter case as infinities, which
            # SQLite's CAST reads as 0
            text = f"WHEN typeof({ref}) = 'text' AND lower({ref}) IN"
            branches += [f"{text} ('inf', '+inf', 'infinity', '+infinity') THEN {otherwise}",
                         f"{text} ('-inf', '-infinity') THEN {values[1]}",
                         f"WHEN typeof({ref}) IN ('text', 'blob') "
                         f"AND NOT CAST({ref} AS NUMERIC) = {ref} THEN {values[-1]}"]
        branches += by_cut
    else:
        categories = bins.categories  # pairs read coarse bins: a category's share of them
        if interaction and bins.interaction_categories is not None:
            categories = bins.interaction_categories
        groups: dict[str, list[str]] = {}
        for label, index in categories.items():
            if values[index] != otherwise:
                groups.setdefault(values[index], []).append(label)
        branches += [f"WHEN {_is_one_of(ref, labels, categories, dialect)} THEN {value}"
                     for value, labels in groups.items()]
    if not branches:
        return otherwise
    return "CASE " + " ".join(branches) + f" ELSE {otherwise} END"


def _term_sql(refs: list[str], bins: list[FeatureBins], table: np.ndarray, interaction: bool,
              dialect: str) -> str:
    """A term's table as nested CASE expressions, outermost over the first feature."""
    if table.ndim == 0:
        return number(table)
    values = [_term_sql(refs[1:], bins[1:], table[i], interaction, dialect)
              for i in range(table.shape[0])]
    return _case(refs[0], bins[0], interaction, values, dialect)


def _comment(text: str) -> str:
    return "-- " + "".join(c if c.isprintable() else "?" for c in text)


def _zone_comments(model: Any) -> str:
    """A comment line per date column whose parts the model took in a time zone: the query
    reads them as given, so they must be taken in that zone (an hour of the same instant in
    another zone scores differently)."""
    return "".join(
        _comment(f"{', '.join(c.names)}: parts of {c.column!r} in time zone {c.tz!r}") + "\n"
        for c in as_conversions(getattr(model, "datetime_conversions_", None))
        if isinstance(c.tz, str) and c.parts != (TIMESTAMP,))


def _sum(parts: list[str]) -> str:
    """``parts`` added in a balanced tree of parentheses: a chain of + nests one level per
    term, and SQLite and DuckDB refuse expressions nested more than 1000 deep."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return f"({_sum(parts[:half])}\n      + {_sum(parts[half:])})"


def _score_sql(model: Any, refs: list[str], bins: list[FeatureBins], k: int | None,
               dialect: str) -> str:
    """intercept + sum of terms, for class ``k`` (None when there is one score)."""
    intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
    parts = [number(intercept[0 if k is None else k])]
    for name, features, table in zip(model.term_names_, model.term_features_,
                                     model.term_scores_):
        table = np.asarray(table, dtype=np.float64)
        if k is not None:
            table = table[..., k]
        term = _term_sql([refs[f] for f in features], [bins[f] for f in features], table,
                         len(features) > 1, dialect)
        parts.append(f"{_comment(name)}\n      {term}")
    return f"CAST(\n      {_sum(parts)}\n    AS DOUBLE PRECISION)"


def _check_fitted(model: Any) -> None:
    """A fitted estimator, or a ``FittedModel`` (the scoring value, not an estimator)."""
    if not isinstance(model, FittedModel):
        check_is_fitted(model, "term_scores_")


def _input_columns(model: Any, columns: dict[str, str] | None) -> list[str]:
    """The SQL column of every feature."""
    names = [str(n) for n in model.feature_names_in_]
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(names))
    if unknown:
        raise ValueError(f"columns names unknown features {unknown}; features are {names}")
    return [str(columns.get(n, n)) for n in names]


def _unique(wanted: list[str], taken: list[str]) -> list[str]:
    """``wanted`` made unique ignoring letter case, among themselves and against ``taken``."""
    used = {name.casefold() for name in taken}
    names = []
    for name in wanted:
        candidate, n = name, 1
        while candidate.casefold() in used:
            n += 1
            candidate = f"{name}_{n}"
        used.add(candidate.casefold())
        names.append(candidate)
    return names


def output_columns(model: Any, columns: dict[str, str] | None = None) -> list[str]:
    """The names of the columns ``to_sql`` appends, in order (see ``to_sql`` for the rule)."""
    _check_fitted(model)
    if model.link_ == "mlogit":
        wanted = ([f"score_{c}" for c in model.classes_]
                  + [f"probability_{c}" for c in model.classes_])
    else:
        second = {"logit": ["probability"], "log": ["prediction"]}.get(model.link_, [])
        wanted = ["score"] + second
    return _unique(wanted, _input_columns(model, columns))


def _outputs(model: Any, names: list[str], dialect: str) -> tuple[list[str], list[str]]:
    """Score column names (inner query) and extra expressions over them (outer query)."""
    q = "q."
    if model.link_ == "mlogit":
        k = len(model.classes_)
        scores = [q + quote_identifier(n) for n in names[:k]]
        top = _greatest(dialect, scores)
        exps = [_exp(dialect, f"{s} - {top}") for s in scores]
        total = " + ".join(exps)
        probabilities = [f"{e} / ({total}) AS {quote_identifier(n)}"
                         for e, n in zip(exps, names[k:])]
        return names[:k], probabilities
    s = q + quote_identifier(names[0])
    if model.link_ == "logit":
        # scipy's expit, 1 / (1 + exp(-s)): 0 once exp(-s) is inf, 1 once it is below 1e-16
        sigmoid = f"1.0e0 / (1.0e0 + {_exp(dialect, '-' + s, overflows=True)})"
        return names[:1], [f"{sigmoid} AS {quote_identifier(names[1])}"]
    if model.link_ == "log":
        return names[:1], [f"{_exp(dialect, s, overflows=True)} AS {quote_identifier(names[1])}"]
    return names[:1], []


def _held_names_guard(names: list[str]) -> str:
    """A one-row table of the output ``names`` and a test reading them unqualified: a column of
    the scored table sharing one (ignoring letter case, in SQLite and DuckDB) makes the test an
    ambiguous reference, which every engine refuses, where the outer query would read the
    table's column in place of the score without an error."""
    held = ", ".join(f"NULL AS {quote_identifier(n)}" for n in names)
    tests = " AND ".join(f"{quote_identifier(n)} IS NULL" for n in names)
    named = " or ".join(map(quote_identifier, names))
    return (_comment(f"the table must hold no column named {named} (the engine reports one as "
                     "ambiguous)") + f"\n  CROSS JOIN (SELECT {held}) AS outputs\n  WHERE {tests}")


def _table_name(table: str | Sequence[str]) -> str:
    """``table`` as SQL: one quoted identifier, or a qualified name from its parts."""
    parts = [table] if isinstance(table, str) else table
    if not isinstance(parts, (list, tuple)) or not parts \
            or not all(isinstance(p, str) and p for p in parts):
        raise ValueError("table must be a table name (one identifier, dots included) or a list "
                         f"or tuple of non-empty names such as ('schema', 'table'), got {table!r}")
    return ".".join(map(quote_identifier, parts))


def to_sql(model: Any, dialect: str = "portable", table: str | Sequence[str] = "data",
           columns: dict[str, str] | None = None) -> str:
    """One SELECT scoring every row of ``table``: its columns, then score(s), probabilities.

    ``table`` is one identifier, quoted as given: "schema.tbl" names a table whose name holds a
    dot. A table in a schema (or in another database or catalog) is a tuple or list of names,
    ``("schema", "tbl")``, each quoted and joined with dots: ``"schema"."tbl"``.
    ``columns`` maps feature names to SQL column names (default: the feature names). A date
    column is read as the features derived from it at fit (``when:year``, ...), which ``table``
    must hold: the query does not convert dates. A model fitted on dates in a time zone took
    their parts there, and so must ``table``'s (``predict`` converts them to it); the query
    opens with a comment naming each such column's zone.
    Appended columns: ``score`` and ``probability`` (binary), ``prediction`` (log link), or
    ``score_<class>`` then ``probability_<class>`` per class (multiclass). Many engines compare
    column names ignoring letter case, so each name is made unique ignoring case, in that order,
    against the feature columns and the names before it: a name already used gets the first free
    suffix ``_2``, ``_3``, ... (classes 'a' and 'A' give ``probability_a`` and
    ``probability_A_2``). ``output_columns`` lists the names. Other columns of ``table`` are not
    known here and must not share these names (SQLite and DuckDB would compute the
    probabilities, or ``prediction``, from the table's own ``score`` column): the query reads
    the names beside the table's columns, so that the engine refuses such a table, reporting
    the name as ambiguous; rename that column in a view.
    ``dialect``: 'portable' (PostgreSQL, DuckDB and most engines with GREATEST and EXP),
    'sqlite' (scalar MAX; EXP needs SQLite's math functions or a registered ``exp``),
    'duckdb' or 'postgresql'.
    A one-class model (link ``monoclassification``), whose score is -inf on every row, is
    refused: SQL has no literal for -inf.
    """
    _check_fitted(model)
    if dialect not in DIALECTS:
        raise ValueError(f"dialect={dialect!r} is not one of {DIALECTS}")
    source = _table_name(table)
    if model.link_ == "monoclassification":
        only = np.asarray(model.classes_).tolist()[0]
        raise ValueError("link 'monoclassification' has no SQL export: the model was fitted on "
                         f"one class, {only!r}, which every row is, and its score is -inf, "
                         "which SQL cannot write")
    refs = ["d." + quote_identifier(c) for c in _input_columns(model, columns)]
    bins = [feature_bins_from_levels(t, levels)
            for t, levels in zip(model.feature_types_in_, model.bins_)]
    appended = output_columns(model, columns)
    names, extras = _outputs(model, appended, dialect)
    classes = range(len(names)) if len(names) > 1 else [None]
    scores = ",\n    ".join(f"{_score_sql(model, refs, bins, k, dialect)} AS {quote_identifier(n)}"
                            for k, n in zip(classes, names))
    outer = ", ".join(["q.*"] + extras)
    # OFFSET keeps engines from inlining the score expressions into every outer reference.
    fence = "LIMIT -1 OFFSET 0" if dialect == "sqlite" else "OFFSET 0"
    return (f"{_zone_comments(model)}SELECT {outer}\nFROM (\n  SELECT d.*,\n    {scores}\n"
            f"  FROM {source} AS d\n  {_held_names_guard(appended)}\n  {fence}\n) AS q")
