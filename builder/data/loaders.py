"""Read interactions (and optional item metadata) from the formats users bring.

Every loader returns an `Interactions`: a DataFrame with columns `user`, `item`
(categoricals of strings: ids are tokens), `timestamp` (int64), `rating` (float, NaN
when the source has none) and `line` (1-based line in the source file, for messages),
plus an item metadata DataFrame indexed by item id with `title` and `genres`.
Bad input raises `DataError` naming the file, line and column.

Interaction files are read columnar and streamed (Arrow's CSV reader and Parquet
batches): ids are dictionary-encoded batch by batch, so the per-value rules (strip,
`auto` integer detection, `007` == `7`) run once per distinct id, not once per row,
and numbers are parsed by Arrow with pandas' `to_numeric` as the fallback for any
batch Arrow cannot parse (so odd values parse, or fail, exactly as before). Text is
decoded as latin-1, as it always was; a multi-character delimiter (ML-1M's `::`) is
treated as pandas' python engine treats it (a regex, lines stripped, no quoting).
"""
from __future__ import annotations

import importlib.util
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from builder.config import DataConfig


class DataError(ValueError):
    """Input data is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Interactions:
    events: pd.DataFrame  # user, item (categorical str), timestamp, rating, line
    items: pd.DataFrame  # index: item id (str); columns: title, genres (tuple[str, ...])
    source: str  # human-readable description of where the data came from


ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)

_BLOCK = 16 << 20  # bytes per CSV block / rows per Parquet batch come from here
_UNIT_SEP = "\x1f"  # what a multi-character delimiter becomes inside the reader


def embedded_ml100k_dir() -> Path:
    """Directory of MovieLens-100K inside the installed `recbole` wheel (files only, no import)."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the embedded MovieLens-100K needs the recbole==1.2.1 wheel: "
            "run `pip install --no-deps recbole==1.2.1` (or `make setup`)"
        )
    d = Path(list(spec.submodule_search_locations)[0]) / "dataset_example" / "ml-100k"
    if not (d / "ml-100k.inter").is_file():
        raise DataError(f"embedded MovieLens-100K not found at {d} (is recbole==1.2.1 installed?)")
    return d


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    if not path.is_file():
        raise DataError(f"not a file: {path}")


class _Latin1Text(io.RawIOBase):
    """The bytes of a text file as UTF-8 for Arrow, decoded as latin-1 (pure-ASCII blocks pass
    through untouched). With a multi-character delimiter, every (regex, as pandas' python engine
    reads it) match of the delimiter becomes `_UNIT_SEP`; the engine's stripping of each line is
    `_read_table`'s (ids and numbers are stripped anyway)."""

    def __init__(self, path: Path, sep: str | None) -> None:
        super().__init__()
        self._f = open(path, "rb")
        self._sep = re.compile(sep) if sep is not None else None
        self._literal = sep if sep is not None and re.escape(sep) == sep else None  # str.replace is faster
        self._carry = b""  # multi-character delimiter: the unfinished last line of a block
        self._out = memoryview(b"")  # transformed bytes not yet handed out
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        block = self._f.read(_BLOCK)
        if not block:
            self._eof = True
        if self._sep is None:
            self._out = memoryview(block if block.isascii() else block.decode("latin-1").encode("utf-8"))
            return
        data = self._carry + block
        cut = len(data) if self._eof else data.rfind(b"\n") + 1
        self._carry = data[cut:]
        text = data[:cut].decode("latin-1")
        if _UNIT_SEP in text:
            raise DataError(f"{self._f.name}: holds the control character \\x1f, which the reader of "
                            "multi-character delimiters uses; convert the file to a 1-character delimiter")
        text = text.replace(self._literal, _UNIT_SEP) if self._literal else self._sep.sub(_UNIT_SEP, text)
        self._out = memoryview(text.encode("utf-8"))

    def readinto(self, buf) -> int:  # type: ignore[override]
        while not len(self._out) and not self._eof:
            self._fill()
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


@dataclass
class _BadRows:
    """Rows Arrow could not split (the first is reported); whitespace-only lines are skipped, as
    pandas skips blank lines."""

    first: tuple[int | None, int, int, str] | None = None

    def __call__(self, row) -> str:
        if not row.text.strip():
            return "skip"
        if self.first is None:
            self.first = (row.number, row.expected_columns, row.actual_columns, row.text)
        return "error"


@dataclass(frozen=True)
class _Text:
    """How to read one delimited text file (the options of the old pandas reader, for Arrow)."""

    path: Path
    sep: str
    names: list[str] | None = None  # no header line: these names
    skip_first: bool = False  # a header line to ignore (names given)
    multiline: bool = False  # quoted values may hold newlines (pandas allows it; Arrow is faster without)

    @property
    def offset(self) -> int:
        """File line of the first data row (header or skipped first line count)."""
        return 2 if (self.names is None or self.skip_first) else 1

    def _open(self, columns: list[str] | None, use_threads: bool = True, bad: _BadRows | None = None,
              block: int = _BLOCK) -> pcsv.CSVStreamingReader:
        multi = len(self.sep) > 1
        read = pcsv.ReadOptions(block_size=block, use_threads=use_threads, column_names=self.names,
                                skip_rows=1 if self.skip_first else 0)
        parse = pcsv.ParseOptions(delimiter=_UNIT_SEP if multi else self.sep,
                                  quote_char=False if multi else '"', double_quote=True,
                                  newlines_in_values=self.multiline,
                                  invalid_row_handler=bad if bad is not None else _BadRows())
        types = None if columns is None else {c: pa.string() for c in columns}
        convert = pcsv.ConvertOptions(column_types=types, include_columns=columns, strings_can_be_null=False,
                                      quoted_strings_can_be_null=False, null_values=[])
        return pcsv.open_csv(_Latin1Text(self.path, self.sep if multi else None), read_options=read,
                             parse_options=parse, convert_options=convert)

    def _error(self, e: Exception, bad: _BadRows) -> DataError:
        if bad.first is None:
            if "Empty CSV file" in str(e):
                return DataError(f"{self.path}: file is empty")
            return DataError(f"{self.path}: cannot parse with delimiter {self.sep!r}: {e}")
        if bad.first[0] is None:  # the threaded reader does not know line numbers: find it again
            again = _BadRows()
            try:
                for _ in self._open(None, use_threads=False, bad=again):
                    pass
            except (pa.ArrowInvalid, DataError):
                pass
            bad = again if again.first is not None else bad
        number, expected, actual, text = bad.first  # type: ignore[misc]
        where = f"line {number}: " if number is not None else ""
        return DataError(f"{self.path}: cannot parse with delimiter {self.sep!r}: {where}expected "
                         f"{expected} fields, saw {actual}: {text[:200]!r}")

    def columns(self) -> list[str]:
        """The column names (header line, or `names`)."""
        if self.names is not None:
            return list(self.names)
        _check_file(self.path)
        bad = _BadRows()
        try:
            reader = self._open(None, bad=bad, block=min(_BLOCK, 1 << 20))  # the header is in the first MiB
        except pa.ArrowInvalid as e:
            raise self._error(e, bad) from None
        names = reader.schema.names
        reader.close()
        return names

    def batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """The named columns as strings, batch by batch."""
        _check_file(self.path)
        bad = _BadRows()
        try:
            yield from self._open(columns, bad=bad)
        except pa.ArrowInvalid as e:
            raise self._error(e, bad) from None


def _read_table(path: Path, sep: str, names: list[str] | None, header: bool,
                skip_first: bool = False) -> pd.DataFrame:
    """Read a (small: metadata) delimited text file as strings, with a `line` column of 1-based file lines."""
    text = _Text(path, sep, None if header else names, skip_first, multiline=True)
    cols = text.columns()
    table = pa.Table.from_batches(list(text.batches(cols)), schema=pa.schema([(c, pa.string()) for c in cols]))
    df = table.to_pandas()
    if len(sep) > 1 and cols:  # pandas' python engine stripped each line before splitting it
        df[cols[0]] = df[cols[0]].str.lstrip()
        df[cols[-1]] = df[cols[-1]].str.rstrip()
    df["line"] = np.arange(len(df), dtype=np.int64) + text.offset
    return df


def _require_columns(have: list[str], cols: list[str], path: Path, hint: str = "") -> None:
    missing = [c for c in cols if c not in have]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; found {[c for c in have if c != 'line']}{hint}")


def _numbers(values: pd.Series, integer: bool) -> tuple[pd.Series, np.ndarray]:
    """pandas' numbers of (stripped) strings and the mask of those that are not numbers."""
    num = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    bad = num.isna().to_numpy().copy()
    if integer:
        bad |= ~np.isclose(num.fillna(0).to_numpy(dtype=float) % 1, 0)
    return num, bad


def _not_a_number(path: Path, line: int, kind: str, col: str, value: object) -> DataError:
    return DataError(f"{path} line {line}: {kind} column '{col}' has non-numeric value {value!r}")


@dataclass
class _NumberColumn:
    """A timestamp or rating column, parsed batch by batch; the first bad row is kept for the message."""

    kind: str
    col: str
    chunks: list[np.ndarray] = field(default_factory=list)
    floats: bool = False  # some value was not an integer: pandas would have made the column float
    bad: tuple[int, object] | None = None  # (row, raw value)

    def add(self, arr: pa.Array, row0: int) -> None:
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            nulls = arr.is_null().to_numpy(zero_copy_only=False)
            if nulls.any() and self.bad is None:
                self.bad = (row0 + int(np.argmax(nulls)), "nan")
            floating = pa.types.is_floating(arr.type) or bool(nulls.any())
            self.floats |= floating
            self.chunks.append(arr.to_numpy(zero_copy_only=False).astype(np.float64 if floating else np.int64))
            if floating:
                self._nan(arr, row0, self.chunks[-1])
            return
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = pa.array(arr.to_pandas().astype(str), pa.string())  # as `astype(str)` always did
        try:
            self.chunks.append(pc.cast(arr, pa.int64()).to_numpy())
            return
        except pa.ArrowInvalid:
            pass
        try:
            values = pc.cast(arr, pa.float64()).to_numpy()
        except pa.ArrowInvalid:  # something Arrow cannot read: pandas decides, as before
            num, bad = _numbers(arr.to_pandas(), integer=False)
            if bad.any() and self.bad is None:
                i = int(np.argmax(bad))
                self.bad = (row0 + i, arr[i].as_py())
            values = num.to_numpy(dtype=np.float64 if num.dtype.kind == "f" else np.int64)
        self.floats |= values.dtype.kind == "f"
        self.chunks.append(values)
        if values.dtype.kind == "f":
            self._nan(arr, row0, values)

    def _nan(self, arr: pa.Array, row0: int, values: np.ndarray) -> None:
        nan = np.isnan(values)
        if nan.any() and self.bad is None:
            i = int(np.argmax(nan))
            self.bad = (row0 + i, arr[i].as_py() if arr[i].is_valid else "nan")

    def check(self, path: Path, lines: np.ndarray) -> None:
        if self.bad is not None:
            raise _not_a_number(path, int(lines[self.bad[0]]), self.kind, self.col, self.bad[1])

    def values(self, dtype: type) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, dtype=dtype)
        if self.floats:  # one float anywhere: pandas read the whole column as float64 (as before)
            return np.concatenate([c.astype(np.float64, copy=False) for c in self.chunks]).astype(dtype, copy=False)
        return np.concatenate(self.chunks).astype(dtype, copy=False)


@dataclass
class _IdColumn:
    """An id column, dictionary-encoded batch by batch (rows hold codes into the distinct values)."""

    col: str
    chunks: list[pa.DictionaryArray] = field(default_factory=list)

    def add(self, arr: pa.Array) -> None:
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        self.chunks.append(pc.dictionary_encode(arr))

    def codes(self) -> tuple[np.ndarray, pd.Series]:
        """Per-row codes (int32) and the distinct raw values as strings (a missing value is '')."""
        if not self.chunks:
            return np.zeros(0, dtype=np.int32), pd.Series([], dtype=str)
        chunked = pa.table({"c": pa.chunked_array(self.chunks)}).unify_dictionaries().column("c")
        dictionary = chunked.chunk(0).dictionary
        values = dictionary.to_pandas().astype(str)  # as `astype(str)` always did (Parquet ints -> '12')
        indices = pa.chunked_array([c.indices for c in chunked.chunks]).combine_chunks()
        if indices.null_count:
            values = pd.concat([values, pd.Series([""], dtype=str)], ignore_index=True)
            indices = pc.fill_null(indices, len(dictionary))
        return indices.to_numpy().astype(np.int32, copy=False), values.reset_index(drop=True)


def _ids(values: pd.Series, codes: np.ndarray, lines: np.ndarray, col: str, path: Path,
         id_type: str) -> tuple[np.ndarray, pd.Index]:
    """Normalise an id column given its distinct raw `values` and each row's code into them.

    Returns new per-row codes and the distinct normalised ids (`auto`: integers when every
    id is one, then `007` and `7` are the same id; else stripped strings)."""
    s = values.astype(str).str.strip()
    num = None
    if id_type == "auto":  # integers when every id is one (then 007 and 7 are the same id), else strings
        num = pd.to_numeric(s, errors="coerce")
        whole = num.notna().all() and bool(np.isclose(num.to_numpy(dtype=float) % 1, 0).all())
        id_type = "int" if whole and len(s) else "str"
    if id_type == "int":
        if num is None:  # forced: every value must be a whole number
            num, bad = _numbers(s, integer=True)
            if bad.any():
                i = int(np.argmax(bad[codes]))
                raise DataError(f"{_not_a_number(path, int(lines[i]), 'id', col, values.iloc[codes[i]])} (ids "
                                "are integers with data.id_type: int; use data.id_type: str or auto, "
                                "or --id-type str, for ids like 'u1' or 'sku-123')")
        s = num.astype(np.int64).astype(str)
    else:
        empty = (s == "").to_numpy()
        if empty.any():
            i = int(np.argmax(empty[codes]))
            raise DataError(f"{path} line {int(lines[i])}: id column '{col}' is empty")
    remap, uniques = pd.factorize(s)  # distinct raw values may normalise to one id (' 7', '007', '7')
    return remap.astype(np.int32)[codes], pd.Index(uniques, dtype=str)


def _parquet_batches(path: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    try:
        yield from pq.ParquetFile(path).iter_batches(batch_size=1 << 20, columns=columns)
    except (pa.ArrowException, OSError) as e:
        raise DataError(f"{path}: cannot read as Parquet: {e}") from e


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    _check_file(path)
    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception as e:  # pyarrow raises several unrelated types
        raise DataError(f"{path}: cannot read as Parquet: {e}") from e
    return [c for c in names if not c.startswith("__index_level_")]  # a stored pandas index


@dataclass(frozen=True)
class _Columns:
    """Which source columns hold what (`extra`: read as strings and returned, e.g. titles)."""

    user: str
    item: str
    time: str
    rating: str | None = None
    extra: tuple[str, ...] = ()


def _events(source: _Text | Path, have: list[str], cols: _Columns, id_type: str,
            hint: str = "") -> tuple[pd.DataFrame, dict[str, pa.ChunkedArray]]:
    """Stream the interaction columns of a text file (`_Text`) or a Parquet file (path) into the
    events frame; the `extra` columns come back as Arrow strings."""
    path = source.path if isinstance(source, _Text) else source
    _require_columns(have, [cols.user, cols.item, cols.time] + ([cols.rating] if cols.rating else []), path,
                     hint)
    names = list(dict.fromkeys([cols.user, cols.item, cols.time, *([cols.rating] if cols.rating else []),
                                *cols.extra]))
    if isinstance(source, _Text):
        batches, offset = source.batches(names), source.offset
    else:
        batches, offset = _parquet_batches(source, names), 1  # row number for Parquet
    users, items = _IdColumn(cols.user), _IdColumn(cols.item)
    time, rating = _NumberColumn("timestamp", cols.time), _NumberColumn("rating", cols.rating or "")
    extra: dict[str, list[pa.Array]] = {c: [] for c in cols.extra}
    n = 0
    for batch in batches:
        users.add(batch.column(cols.user))
        items.add(batch.column(cols.item))
        time.add(batch.column(cols.time), n)
        if cols.rating:
            rating.add(batch.column(cols.rating), n)
        for c in cols.extra:
            extra[c].append(batch.column(c).cast(pa.string()))
        n += batch.num_rows
    if n == 0:
        raise DataError(f"{path}: no interactions in file")
    lines = np.arange(n, dtype=np.int64) + offset
    ucodes, uvalues = users.codes()
    ucodes, uids = _ids(uvalues, ucodes, lines, cols.user, path, id_type)
    icodes, ivalues = items.codes()
    icodes, iids = _ids(ivalues, icodes, lines, cols.item, path, id_type)
    time.check(path, lines)
    rating.check(path, lines)
    events = pd.DataFrame({"user": pd.Categorical.from_codes(ucodes, categories=uids),
                           "item": pd.Categorical.from_codes(icodes, categories=iids)})
    # one column at a time: no consolidation copy of the int64 / float64 columns into one block
    events["timestamp"] = time.values(np.int64)
    events["rating"] = rating.values(np.float64) if cols.rating else np.full(n, np.nan)
    events["line"] = lines
    return events, {c: pa.chunked_array(v, pa.string()) for c, v in extra.items()}


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({"title": pd.Series(dtype=str), "genres": pd.Series(dtype=object)})


def _items_frame(ids: pd.Series, titles: pd.Series, genres: list[tuple[str, ...]]) -> pd.DataFrame:
    items = pd.DataFrame({"title": titles.to_numpy(), "genres": genres}, index=ids.to_numpy())
    return items[~items.index.duplicated(keep="first")]


def load_embedded_ml100k() -> Interactions:
    """MovieLens-100K as shipped (atomic files) in the recbole wheel."""
    d = embedded_ml100k_dir()
    names = ["user", "item", "rating", "timestamp"]
    ev, _ = _events(_Text(d / "ml-100k.inter", "\t", names, skip_first=True), names,
                    _Columns("user", "item", "timestamp", "rating"), "int")
    raw = _read_table(d / "ml-100k.item", "\t", ["item", "title", "year", "genres"],
                      header=False, skip_first=True)
    titles = raw["title"].str.strip() + np.where(raw["year"].str.strip() != "",
                                                 " (" + raw["year"].str.strip() + ")", "")
    genres = [tuple(g.split()) for g in raw["genres"].fillna("")]
    return Interactions(ev, _items_frame(raw["item"].str.strip(), titles, genres),
                        f"MovieLens-100K (embedded, {d})")


def load_ml100k_dir(path: Path) -> Interactions:
    """ML-100K original layout: `u.data` (tab) and optional `u.item` (`|`, genre flags)."""
    data = path / "u.data" if path.is_dir() else path
    names = ["user", "item", "rating", "timestamp"]
    try:
        ev, _ = _events(_Text(data, "\t", names), names, _Columns("user", "item", "timestamp", "rating"), "int")
    except DataError as e:
        if "cannot parse" not in str(e):
            raise
        raise DataError(f"{data}: expected 4 tab-separated columns user item rating timestamp ({e})") from None
    item_file = data.parent / "u.item"
    items = _empty_items()
    if item_file.is_file():
        names = ["item", "title", "release", "video", "url"] + [f"g{i}" for i in range(19)]
        raw = _read_table(item_file, "|", names, header=False)
        flags = raw[[f"g{i}" for i in range(19)]].to_numpy() == "1"
        genres = [tuple(g for g, f in zip(ML100K_GENRES, row) if f) for row in flags]
        items = _items_frame(raw["item"].str.strip(), raw["title"], genres)
    return Interactions(ev, items, f"MovieLens-100K ({data})")


def load_ml1m_dir(path: Path) -> Interactions:
    """ML-1M / ML-10M layout: `ratings.dat` (`::`) and optional `movies.dat`."""
    data = path / "ratings.dat" if path.is_dir() else path
    names = ["user", "item", "rating", "timestamp"]
    ev, _ = _events(_Text(data, "::", names), names, _Columns("user", "item", "timestamp", "rating"), "int")
    movies = data.parent / "movies.dat"
    items = _empty_items()
    if movies.is_file():
        raw = _read_table(movies, "::", ["item", "title", "genres"], header=False)
        items = _items_frame(raw["item"].str.strip(), raw["title"],
                             [tuple(g for g in s.split("|") if g) for s in raw["genres"]])
    return Interactions(ev, items, f"MovieLens ratings.dat ({data})")


def load_ml_latest_dir(path: Path) -> Interactions:
    """ML-latest / ML-20M+ layout: `ratings.csv` (userId,movieId,rating,timestamp) + `movies.csv`."""
    data = path / "ratings.csv" if path.is_dir() else path
    text = _Text(data, ",")
    ev, _ = _events(text, text.columns(), _Columns("userId", "movieId", "timestamp", "rating"), "int")
    movies = data.parent / "movies.csv"
    items = _empty_items()
    if movies.is_file():
        raw = pd.read_csv(movies, dtype=str, keep_default_na=False)
        _require_columns(list(raw.columns), ["movieId", "title", "genres"], movies)
        items = _items_frame(raw["movieId"].str.strip(), raw["title"],
                             [tuple(g for g in s.split("|") if g and g != "(no genres listed)")
                              for s in raw["genres"]])
    return Interactions(ev, items, f"MovieLens ratings.csv ({data})")


def _read_generic(path: Path, cfg: DataConfig, fmt: str) -> pd.DataFrame:
    """A (small: metadata) CSV or Parquet file, every column as strings, with `line`."""
    if fmt == "parquet":
        _check_file(path)
        try:
            df = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several unrelated types
            raise DataError(f"{path}: cannot read as Parquet: {e}") from e
        df = df.astype(str)
        df["line"] = np.arange(len(df), dtype=np.int64) + 1  # row number for Parquet
        return df
    return _read_table(path, cfg.delimiter, None, header=True)


def _genres(values, sep: str) -> list[tuple[str, ...]]:
    return [tuple(g for g in str(s).split(sep) if g) for s in values]


def load_generic(path: Path, cfg: DataConfig, fmt: str) -> Interactions:
    """Any CSV/Parquet with a column mapping (user, item, timestamp, optional rating)."""
    if fmt == "parquet":
        source: _Text | Path = path
        have = _parquet_columns(path)
    else:
        source = _Text(path, cfg.delimiter)
        have = source.columns()
    hint = ""
    if len(have) == 1 and cfg.delimiter not in have[0]:
        hint = f" (is the delimiter really {cfg.delimiter!r}? set data.delimiter)"
    meta_cols = () if cfg.items_path else tuple(c for c in (cfg.title_col, cfg.genres_col) if c and c in have)
    ev, extra = _events(source, have, _Columns(cfg.user_col, cfg.item_col, cfg.time_col, cfg.rating_col, meta_cols),
                        cfg.id_type, hint + " — map yours with data.user_col / item_col / time_col / rating_col")
    items = _empty_items()
    if cfg.items_path:
        ipath = Path(cfg.items_path)
        raw = _read_generic(ipath, cfg, "parquet" if ipath.suffix == ".parquet" else "csv")
        _require_columns(list(raw.columns), [cfg.item_col], ipath)
        rows, values = pd.factorize(raw[cfg.item_col])
        rows, uniques = _ids(pd.Series(values), rows, raw["line"].to_numpy(), cfg.item_col, ipath, cfg.id_type)
        ids = pd.Series(uniques.take(rows))
        titles = raw[cfg.title_col] if cfg.title_col and cfg.title_col in raw else ids
        genres = (_genres(raw[cfg.genres_col], cfg.genres_sep) if cfg.genres_col and cfg.genres_col in raw
                  else [() for _ in range(len(raw))])
        items = _items_frame(ids, titles.astype(str), genres)
    elif cfg.title_col or cfg.genres_col:  # metadata columns in the interaction file: each id's first row
        codes = ev["item"].cat.codes.to_numpy()
        first = np.sort(np.unique(codes, return_index=True)[1])
        ids = pd.Series(ev["item"].cat.categories.take(codes[first]))
        titles = (pd.Series(extra[cfg.title_col].take(first).to_pandas()).astype(str) if cfg.title_col in extra
                  else ids)
        genres = (_genres(extra[cfg.genres_col].take(first).to_pylist(), cfg.genres_sep)
                  if cfg.genres_col in extra else [() for _ in range(len(first))])
        items = _items_frame(ids, titles, genres)
    return Interactions(ev, items, f"{fmt.upper()} file {path}")


def detect_format(path: Path) -> str:
    """Guess the format from file names; explicit `data.format` always wins."""
    if path.is_dir():
        for name, fmt in (("u.data", "ml-100k"), ("ratings.dat", "ml-1m"), ("ratings.csv", "ml-latest")):
            if (path / name).is_file():
                return fmt
        raise DataError(f"{path}: directory holds none of u.data, ratings.dat, ratings.csv; "
                        "point data.path at your file and set data.format")
    name = path.name.lower()
    if name == "u.data":
        return "ml-100k"
    if name.endswith(".dat"):
        return "ml-1m"
    if name.endswith(".parquet"):
        return "parquet"
    return "csv"


def load_interactions(cfg: DataConfig, seed: int = 0) -> Interactions:
    """Load what `cfg` describes (synthetic data is generated in `builder.data.synthetic`)."""
    if cfg.source == "ml-100k":
        return load_embedded_ml100k()
    if cfg.source == "synthetic":
        from builder.data.synthetic import generate_interactions

        return generate_interactions(cfg.synthetic, seed=seed)
    path = Path(str(cfg.path))
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    fmt = detect_format(path) if cfg.format == "auto" else cfg.format
    if fmt == "ml-100k":
        return load_ml100k_dir(path)
    if fmt == "ml-1m":
        return load_ml1m_dir(path)
    if fmt == "ml-latest":
        return load_ml_latest_dir(path)
    return load_generic(path, cfg, fmt)
