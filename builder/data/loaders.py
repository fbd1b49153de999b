"""Read interactions (and optional item metadata) from the formats users bring.

Every loader returns an `Interactions`: a DataFrame with columns `user`, `item`
(strings: ids are tokens), `timestamp` (int64), `rating` (float, NaN when the
source has none) and `line` (1-based line in the source file, for messages),
plus an item metadata DataFrame indexed by item id with `title` and `genres`.
Bad input raises `DataError` naming the file, line and column.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from builder.config import DataConfig


class DataError(ValueError):
    """Input data is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Interactions:
    events: pd.DataFrame  # user, item, timestamp, rating, line
    items: pd.DataFrame  # index: item id (str); columns: title, genres (tuple[str, ...])
    source: str  # human-readable description of where the data came from


ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)


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


def _read_table(path: Path, sep: str, names: list[str] | None, header: bool,
                skip_first: bool = False) -> pd.DataFrame:
    """Read a delimited text file as strings, with a `line` column of 1-based file lines."""
    _check_file(path)
    engine = "python" if len(sep) > 1 else "c"
    try:
        df = pd.read_csv(
            path, sep=sep, header=0 if header else None, names=names, dtype=str, engine=engine,
            keep_default_na=False, skiprows=1 if skip_first else 0, encoding="latin-1",
            skip_blank_lines=True, on_bad_lines="error", quoting=3 if engine == "python" else 0,
        )
    except pd.errors.ParserError as e:
        raise DataError(f"{path}: cannot parse with delimiter {sep!r}: {e}") from e
    except pd.errors.EmptyDataError as e:
        raise DataError(f"{path}: file is empty") from e
    offset = 2 if (header or skip_first) else 1
    df["line"] = np.arange(len(df), dtype=np.int64) + offset
    return df


def _require_columns(df: pd.DataFrame, cols: list[str], path: Path, hint: str = "") -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        have = [c for c in df.columns if c != "line"]
        raise DataError(
            f"{path}: missing column(s) {missing}; found {have}{hint}"
        )


def _to_number(df: pd.DataFrame, col: str, path: Path, kind: str, integer: bool) -> pd.Series:
    s = df[col].astype(str).str.strip()
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna().to_numpy().copy()
    if integer:
        bad |= ~np.isclose(num.fillna(0).to_numpy(dtype=float) % 1, 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{path} line {int(df['line'].iloc[i])}: {kind} column '{col}' has non-numeric value "
            f"{df[col].iloc[i]!r}"
        )
    return num


def _ids(df: pd.DataFrame, col: str, path: Path, id_type: str) -> pd.Series:
    s = df[col].astype(str).str.strip()
    if id_type == "auto":  # integers when every id is one (then 007 and 7 are the same id), else strings
        num = pd.to_numeric(s, errors="coerce")
        whole = num.notna().all() and bool(np.isclose(num.to_numpy(dtype=float) % 1, 0).all())
        id_type = "int" if whole and len(s) else "str"
    if id_type == "int":
        try:
            num = _to_number(df, col, path, "id", integer=True)
        except DataError as e:
            raise DataError(f"{e} (ids are integers with data.id_type: int; use data.id_type: str or auto, "
                            "or --id-type str, for ids like 'u1' or 'sku-123')") from None
        return num.astype(np.int64).astype(str)
    empty = (s == "").to_numpy()
    if empty.any():
        i = int(np.argmax(empty))
        raise DataError(f"{path} line {int(df['line'].iloc[i])}: id column '{col}' is empty")
    return s


def _events(df: pd.DataFrame, path: Path, user: str, item: str, time: str, rating: str | None,
            id_type: str) -> pd.DataFrame:
    cols = [user, item, time] + ([rating] if rating else [])
    _require_columns(df, cols, path)
    if len(df) == 0:
        raise DataError(f"{path}: no interactions in file")
    out = pd.DataFrame({
        "user": _ids(df, user, path, id_type),
        "item": _ids(df, item, path, id_type),
        "timestamp": _to_number(df, time, path, "timestamp", integer=False).astype(np.int64),
        "rating": _to_number(df, rating, path, "rating", integer=False).astype(float)
        if rating else np.nan,
        "line": df["line"].to_numpy(),
    })
    return out


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({"title": pd.Series(dtype=str), "genres": pd.Series(dtype=object)})


def _items_frame(ids: pd.Series, titles: pd.Series, genres: list[tuple[str, ...]]) -> pd.DataFrame:
    items = pd.DataFrame({"title": titles.to_numpy(), "genres": genres}, index=ids.to_numpy())
    return items[~items.index.duplicated(keep="first")]


def load_embedded_ml100k() -> Interactions:
    """MovieLens-100K as shipped (atomic files) in the recbole wheel."""
    d = embedded_ml100k_dir()
    inter = _read_table(d / "ml-100k.inter", "\t", ["user", "item", "rating", "timestamp"],
                        header=False, skip_first=True)
    ev = _events(inter, d / "ml-100k.inter", "user", "item", "timestamp", "rating", "int")
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
    df = _read_table(data, "\t", ["user", "item", "rating", "timestamp"], header=False)
    if df.shape[1] != 5 or (df[["user", "item", "rating", "timestamp"]] == "").all(axis=None):
        raise DataError(f"{data}: expected 4 tab-separated columns user item rating timestamp")
    ev = _events(df, data, "user", "item", "timestamp", "rating", "int")
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
    df = _read_table(data, "::", ["user", "item", "rating", "timestamp"], header=False)
    ev = _events(df, data, "user", "item", "timestamp", "rating", "int")
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
    df = _read_table(data, ",", None, header=True)
    ev = _events(df, data, "userId", "movieId", "timestamp", "rating", "int")
    movies = data.parent / "movies.csv"
    items = _empty_items()
    if movies.is_file():
        raw = pd.read_csv(movies, dtype=str, keep_default_na=False)
        _require_columns(raw, ["movieId", "title", "genres"], movies)
        items = _items_frame(raw["movieId"].str.strip(), raw["title"],
                             [tuple(g for g in s.split("|") if g and g != "(no genres listed)")
                              for s in raw["genres"]])
    return Interactions(ev, items, f"MovieLens ratings.csv ({data})")


def _read_generic(path: Path, cfg: DataConfig, fmt: str) -> pd.DataFrame:
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


def load_generic(path: Path, cfg: DataConfig, fmt: str) -> Interactions:
    """Any CSV/Parquet with a column mapping (user, item, timestamp, optional rating)."""
    df = _read_generic(path, cfg, fmt)
    hint = ""
    if len(df.columns) == 2 and cfg.delimiter not in df.columns[0]:
        hint = f" (is the delimiter really {cfg.delimiter!r}? set data.delimiter)"
    _require_columns(df, [cfg.user_col, cfg.item_col, cfg.time_col] +
                     ([cfg.rating_col] if cfg.rating_col else []), path,
                     hint + " — map yours with data.user_col / item_col / time_col / rating_col")
    ev = _events(df, path, cfg.user_col, cfg.item_col, cfg.time_col, cfg.rating_col, cfg.id_type)
    items = _empty_items()
    if cfg.items_path:
        ipath = Path(cfg.items_path)
        raw = _read_generic(ipath, cfg, "parquet" if ipath.suffix == ".parquet" else "csv")
        _require_columns(raw, [cfg.item_col], ipath)
        ids = _ids(raw, cfg.item_col, ipath, cfg.id_type)
        titles = raw[cfg.title_col] if cfg.title_col and cfg.title_col in raw else ids
        genres = ([tuple(g for g in str(s).split(cfg.genres_sep) if g) for s in raw[cfg.genres_col]]
                  if cfg.genres_col and cfg.genres_col in raw else [() for _ in range(len(raw))])
        items = _items_frame(ids, titles.astype(str), genres)
    elif cfg.title_col or cfg.genres_col:
        raw = df.drop_duplicates(cfg.item_col)
        ids = _ids(raw, cfg.item_col, path, cfg.id_type)
        titles = raw[cfg.title_col].astype(str) if cfg.title_col and cfg.title_col in raw else ids
        genres = ([tuple(g for g in str(s).split(cfg.genres_sep) if g) for s in raw[cfg.genres_col]]
                  if cfg.genres_col and cfg.genres_col in raw else [() for _ in range(len(raw))])
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
