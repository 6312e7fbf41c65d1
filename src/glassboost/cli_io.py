"""Tables in and out for the command line: CSV or Parquet by extension, the target column, the task.

Everything a user can get wrong here (a missing file, an unknown extension, a missing target)
raises :class:`CliError` with a one-line message, which the command line prints without a
traceback.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import sys
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

#: File name endings the command line reads and writes, and the format of each.
TABLE_FORMATS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: CSV separators other than ',' that a file is checked for, and how to name them.
OTHER_SEPARATORS = (";", "\t", "|")
SEPARATOR_NAMES = {";": "';'", "\t": "tab", "|": "'|'"}
#: In a ';' file with decimal commas: a number with '.' thousands separators ('-1.234.567,5'),
#: and one without them ('12', '0,5'), as a column of such numbers holds them side by side.
GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
COMMA_NUMBER = re.compile(r"[+-]?\d+(,\d+)?")
#: Non-blank lines of a CSV file, its header and first data lines, the separator is guessed from.
SAMPLE_LINES = 20

#: A numeric target with at most this many distinct whole-number values is taken as class labels.
MAX_CLASS_VALUES = 10

#: A text column whose entries are numbers but for at most this many distinct values, making
#: up at most this share of its entries, is said to be read as text because of them.
MAX_STRAY_TEXT, STRAY_TEXT_SHARE = 5, 0.05

#: Text a spreadsheet may run as a formula (OWASP's CSV injection rule: these first characters).
FORMULA_START = re.compile(r"[=+\-@\t\r]")
#: Text that is a plain number (such as "-1.5e3"): a spreadsheet reads it as a number, not a formula.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class CliError(Exception):
    """A user error: the command line prints it as one line and exits with status 2."""


def one_line(error: BaseException) -> str:
    """An exception's message on a single line (library messages may span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def table_format(path: str | Path) -> str:
    """'csv' or 'parquet' from the file name; CliError for any other extension."""
    name = str(path).lower()
    for suffix, kind in TABLE_FORMATS.items():
        if name.endswith(suffix):
            return kind
    raise CliError(
        f"{path}: unsupported file type; use one of {', '.join(TABLE_FORMATS)}"
    )


def check_file(path: str | Path) -> None:
    """CliError unless ``path`` is an existing file."""
    if not Path(path).exists():
        raise CliError(f"{path}: no such file")
    if not Path(path).is_file():
        raise CliError(f"{path} is not a file")


def same_file(path: Path, other: Path) -> bool:
    """Whether two paths name one existing file (by device and inode), such as a hard link
    and its original, which resolving symbolic links cannot tell."""
    try:
        return os.path.samefile(path, other)
    except OSError:  # either does not exist (yet)
        return False


def check_outputs(outputs: dict[str, str | Path | None], inputs: tuple[str | Path, ...] = (),
                  force: bool = False) -> None:
    """Before any work: CliError when an output (keyed by its option) is an input file or
    another output, lies in a directory that does not exist, or exists already without
    ``force``. An existing file is replaced only when asked (``--force``); an input never is,
    even under another name (a symbolic or hard link to it)."""
    sources = [Path(path) for path in inputs]
    written: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        for source in sources:
            if source.resolve() == resolved or same_file(source, resolved):
                alias = "" if Path(path) == source else f" ({source} under another name)"
                raise CliError(f"{option} {path} is an input file of this command{alias}; "
                               "writing there would destroy it, so choose another path")
        for other, other_option in written.items():
            if other == resolved or same_file(other, resolved):
                raise CliError(f"{option} {path} is also the {other_option} path; "
                               "choose two different paths")
        written[resolved] = option
        if not resolved.parent.is_dir():
            raise CliError(f"cannot write {path}: directory {Path(path).parent} does not exist")
        if resolved.is_dir():
            raise CliError(f"{option} {path} is a directory; give a file path")
        if resolved.exists() and not force:
            raise CliError(f"{option} {path} exists already; use --force to overwrite it, "
                           "or choose another path")


def read_table(path: str | Path, blank_lines: bool = False) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file into a DataFrame; with ``blank_lines``,
    a blank line of a CSV is a row with every value missing, so rows match the file's lines."""
    kind = table_format(path)
    check_file(path)
    try:
        frame = read_csv(path, blank_lines) if kind == "csv" else read_parquet(path)
    except UnicodeDecodeError:
        raise CliError(f"cannot read {path}: {not_utf8(path)}") from None
    except (OSError, ValueError, EOFError) as error:  # pandas/pyarrow parse errors are ValueErrors
        raise CliError(f"cannot read {path}: {one_line(error)}") from None
    if len(frame) == 0:
        raise CliError(f"{path} has no data rows")
    return frame


def _open_csv(path: str | Path, mode: str, **options: Any) -> IO:
    """A CSV file opened as it is stored: gzipped when its name ends in '.gz'."""
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    return opener(path, mode, **options)


def not_utf8(path: str | Path) -> str:
    """Where a CSV file stops being UTF-8 text, and what to do about it."""
    with _open_csv(path, "rb") as file:
        data = file.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return (f"it is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
                "save it as UTF-8 (in a spreadsheet: CSV UTF-8)")
    return "it is not UTF-8 text; save it as UTF-8"


def csv_sample(path: str | Path) -> tuple[list[str], bool]:
    """The lines of a CSV file up to its (SAMPLE_LINES + 1)-th non-blank one, and whether they
    are the whole file (if not, the last record read from them may be cut short)."""
    lines, non_blank = [], 0
    with _open_csv(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as file:
        for line in file:
            lines.append(line)
            non_blank += bool(line.strip())
            if non_blank > SAMPLE_LINES:
                return lines, False
    return lines, True


def csv_separator(path: str | Path) -> str:
    """The separator that reads the header and the first data lines (SAMPLE_LINES in all) as
    records of one number of fields, the most fields if several do, ',' first among equals.

    Spreadsheets in many locales save CSV with ';' because ',' is their decimal mark; the data
    lines keep a quoted name such as "Income, net" in a ';' header from making it ','. A header
    of one column is one field with any separator: then the data lines alone decide (a ';' file
    of '1,5'). Without such a separator, ',' unless the header line has no comma but ';', tab
    or '|' (the most frequent of them).
    """
    lines, complete = csv_sample(path)
    widths, one_column = {}, True
    for sep in (",", *OTHER_SEPARATORS):
        try:
            records = [record for record in csv.reader(lines, delimiter=sep)
                       if any(field.strip() for field in record)]
        except csv.Error:
            one_column = False
            continue
        one_column = one_column and all(len(record) == 1 for record in records[:1])
        counts = {len(record) for record in (records if complete else records[:-1])}
        if len(counts) == 1:
            widths[sep] = counts.pop()
    widths = {sep: width for sep, width in widths.items() if width > 1 or one_column}
    if widths:
        return max(widths, key=widths.get)  # the first of the widest: ',' among equals
    header = lines[0] if lines else ""
    counts = {sep: header.count(sep) for sep in OTHER_SEPARATORS}
    best = max(counts, key=counts.get)
    return best if "," not in header and counts[best] else ","


def read_csv(path: str | Path, blank_lines: bool = False) -> pd.DataFrame:
    """A CSV table by :func:`csv_separator`. In a ';'-separated file, numbers may have decimal
    commas ('1,5'): each column is read both ways and is a number if either way reads it as one;
    a column still text may be numbers with '.' thousands separators (:func:`thousands_columns`).
    A separator other than ',' is said on stderr, with the columns read either way."""
    sep = csv_separator(path)
    frame = pd.read_csv(path, sep=sep, skip_blank_lines=not blank_lines)
    check_unique_header(path, sep)
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        raise CliError(f"{path}: its first data row has more fields than its header has names "
                       f"({frame.shape[1]}), so every value would be read one column to the "
                       "left; name every column, or end the data lines without a separator")
    if sep == ",":
        return frame
    commas = []
    if sep == ";":
        decimal_commas = pd.read_csv(path, sep=sep, decimal=",",
                                     skip_blank_lines=not blank_lines)
        for position in range(frame.shape[1]):
            column = decimal_commas.iloc[:, position]
            if (pd.api.types.is_float_dtype(column.dtype)
                    and not pd.api.types.is_numeric_dtype(frame.iloc[:, position].dtype)):
                frame.isetitem(position, column)
                commas.append(str(frame.columns[position]))
    grouped = thousands_columns(path, frame, blank_lines, bool(commas)) if sep == ";" else {}
    for position, column in grouped.items():
        frame.isetitem(position, column)
    read = f"; read decimal commas in {', '.join(map(repr, commas))}" if commas else ""
    if grouped:
        names = ", ".join(repr(str(frame.columns[position])) for position in grouped)
        read += f"; read '.' thousands separators (1.234,5) in {names}"
    print(f"glassboost: read {path} as {SEPARATOR_NAMES[sep]}-separated{read}", file=sys.stderr)
    return frame


def thousands_columns(path: str | Path, frame: pd.DataFrame, blank_lines: bool,
                      decimal_commas: bool) -> dict[int, pd.Series]:
    """The text columns of ``frame``, a ';' file read so far, whose every entry is a number with
    '.' thousands separators and perhaps a decimal comma ('1.234,5'), or without either ('12',
    '0,5'), some with a '.', read as numbers by position. None unless the file has decimal
    commas, and none if it writes a number with a '.' decimal point ('1.5'): there '1.234' is
    a number of its own, so no column is read with pandas' lax thousands rule ('1.5' as 15)."""
    text_positions = [position for position in range(frame.shape[1])
                      if not pd.api.types.is_numeric_dtype(frame.iloc[:, position].dtype)]
    if not text_positions:
        return {}
    text = pd.read_csv(path, sep=";", dtype=str, skip_blank_lines=not blank_lines)
    candidates = []
    for position in range(frame.shape[1]):
        values = text.iloc[:, position].dropna()
        grouped = values.str.fullmatch(GROUPED_NUMBER.pattern)
        if position not in text_positions:
            if (values.str.contains(".", regex=False) & ~grouped).any():
                return {}  # a '.' decimal point, as in '1.5'
        elif (grouped | values.str.fullmatch(COMMA_NUMBER.pattern)).all() and grouped.any():
            candidates.append(position)
            decimal_commas = decimal_commas or values.str.contains(",", regex=False).any()
    if not (candidates and decimal_commas):
        return {}
    numbers = pd.read_csv(path, sep=";", decimal=",", thousands=".",
                          skip_blank_lines=not blank_lines)
    return {position: numbers.iloc[:, position] for position in candidates
            if pd.api.types.is_numeric_dtype(numbers.iloc[:, position].dtype)}


def read_parquet(path: str | Path) -> pd.DataFrame:
    """A Parquet table, after :func:`check_unique_names` on the column names its schema holds."""
    import pyarrow.parquet  # only Parquet input needs it

    check_unique_names(path, pyarrow.parquet.read_schema(path).names)
    return pd.read_parquet(path)


def check_unique_header(path: str | Path, sep: str = ",") -> None:
    """CliError when a CSV header names a column twice: pandas would rename the second 'a' to
    'a.1' and a model would learn, and later match, a column the file does not have."""
    check_unique_names(path, [str(name) for name in pd.read_csv(
        path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0]])


def check_unique_names(path: str | Path, header: list[str]) -> None:
    """CliError naming a column that ``header``, the column names of a table, holds twice."""
    for position, name in enumerate(header):
        if name in header[:position]:
            raise CliError(f"{path} has two columns named {name!r} (columns "
                           f"{header.index(name) + 1} and {position + 1}); give each column "
                           "its own name")


def formula_safe(cell: object) -> object:
    """``cell`` with a leading single quote if it is text a spreadsheet would run as a formula
    (starting with =, +, -, @, tab or carriage return); numbers and plain-number text unchanged."""
    if isinstance(cell, str) and FORMULA_START.match(cell) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`formula_safe`; numeric
    columns are left as they are."""
    safe = frame.rename(columns=formula_safe)
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if not (pd.api.types.is_numeric_dtype(values.dtype)
                or pd.api.types.is_bool_dtype(values.dtype)):
            safe.isetitem(position, values.astype(object).map(formula_safe))
    return safe


def write_table(frame: pd.DataFrame, path: str | Path | None, csv_guard: bool = True) -> None:
    """Write ``frame`` as CSV or Parquet (by extension), or as CSV to stdout when path is None.

    With ``csv_guard``, CSV cells that a spreadsheet would run as formulas are neutralized
    (:func:`formula_safe_frame`); Parquet keeps its typed values unchanged.
    """
    if path is None:
        (formula_safe_frame(frame) if csv_guard else frame).to_csv(sys.stdout, index=False)
        return
    kind = table_format(path)
    try:
        if kind == "csv":
            (formula_safe_frame(frame) if csv_guard else frame).to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    except OSError as error:
        raise CliError(f"cannot write {path}: {one_line(error)}") from None


def column_list(columns: pd.Index) -> str:
    """Column names for a message; a name with spaces around it is quoted, so they show."""
    return ", ".join(str(name) if str(name) == str(name).strip() else repr(str(name))
                     for name in columns)


def near_miss(name: str, columns: pd.Index) -> str:
    """A hint naming the column that ``name`` matches but for spaces around it or case."""
    for column in map(str, columns):
        if column.strip().lower() == name.strip().lower():
            return f" (did you mean {column!r}?)"
    return ""


def split_target(frame: pd.DataFrame, target: str,
                 path: str | Path) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target; the target must exist and have no missing values."""
    if target not in frame.columns:
        raise CliError(f"target column {target!r} is not in {path}"
                       f"{near_miss(target, frame.columns)}; its columns are: "
                       f"{column_list(frame.columns)}")
    y = frame[target]
    missing = np.flatnonzero(y.isna().to_numpy())
    if len(missing):
        rows = ", ".join(str(i + 1) for i in missing[:5])
        raise CliError(
            f"target column {target!r} has {len(missing)} missing value(s) (data rows {rows}"
            f"{', ...' if len(missing) > 5 else ''}); drop or fill those rows"
        )
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise CliError(f"{path} has no feature columns besides the target {target!r}")
    return X, y


def stray_text_warnings(X: pd.DataFrame, path: str | Path) -> list[str]:
    """One message per text column whose entries are numbers but for a few (at most
    MAX_STRAY_TEXT distinct values, under STRAY_TEXT_SHARE of the entries): those few make the
    whole column text, so the model sees categories where the user meant numbers."""
    messages = []
    for position, name in enumerate(X.columns):
        values = X.iloc[:, position]
        if not (pd.api.types.is_object_dtype(values.dtype)
                or pd.api.types.is_string_dtype(values.dtype)):
            continue
        present = values.notna().to_numpy()
        stray = np.flatnonzero(present & pd.to_numeric(values, errors="coerce").isna().to_numpy())
        text = values.iloc[stray]
        if not (0 < len(text) <= STRAY_TEXT_SHARE * present.sum()
                and text.nunique() <= MAX_STRAY_TEXT):
            continue
        shown = ", ".join(repr(str(value)) for value in pd.unique(text))
        messages.append(
            f"column {name!r} of {path} is read as text, not numbers, because of {len(text)} "
            f"of its {present.sum()} entries ({shown}; first in data row {stray[0] + 1}); the "
            f"rest are numbers. If those entries mean missing, empty them, so {name!r} is read "
            "as numbers"
        )
    return messages


def infer_task(y: pd.Series) -> str:
    """'classification' or 'regression' for a target column.

    Classification when the target is text, boolean or categorical, or numeric with only whole
    numbers and at most MAX_CLASS_VALUES distinct values (such as 0/1 or 1..5 labels); regression
    otherwise. ``--task`` overrides it.
    """
    dtype = y.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return "classification"
    values = y.to_numpy(dtype=np.float64)
    whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    if whole and len(np.unique(values)) <= MAX_CLASS_VALUES:
        return "classification"
    return "regression"


def target_values(y: pd.Series, task: str) -> np.ndarray:
    """The target as the estimator should see it: labels for classifiers, floats for regressors."""
    if task == "classification":
        if pd.api.types.is_numeric_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype):
            return y.to_numpy()
        return y.astype(str).to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(y.dtype) or not pd.api.types.is_numeric_dtype(y.dtype):
        raise CliError(
            f"target column {y.name!r} is not numeric ({y.dtype}); regression needs numbers "
            "(use --task classification for labels)"
        )
    return y.to_numpy(dtype=np.float64)
