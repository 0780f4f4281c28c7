"""The search's database: Optuna's storage for a URL, with a patient SQLite.

Several processes write to the SQLite file of a search at once (the driver
asks and tells, each worker reports its epochs); SQLite lets one write at a
time and makes the others wait, by default for 5 s, after which they fail
with "database is locked".  On a busy machine that wait can run out, so a
SQLite connection here waits up to ``SQLITE_TIMEOUT`` seconds.  Other URLs
(PostgreSQL, MySQL, ...) go to Optuna as they are.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

DATABASE = "search.db"
SQLITE_TIMEOUT = 300  # seconds a writer waits for the lock


def default_url(folder: Path) -> str:
    """The URL of the SQLite file of the search in ``folder``."""
    return f"sqlite:///{folder / DATABASE}"


def open_storage(optuna: Any, url: str) -> Any:
    """Optuna's storage for ``url``: an ``RDBStorage`` with a long lock timeout for SQLite, else the URL."""
    if url.startswith("sqlite:"):
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT}})
    return url
