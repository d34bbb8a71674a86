"""What the `prodpack` command shows on the terminal while a flow runs: our own progress
lines and every warning, not Prefect's record of each task run starting and finishing.

Only Prefect's console handler is changed (a filter and a shorter format, through the
standard logging API); its API handler still sends every record, Prefect's included, to the
server's UI when one is configured.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A record logged with extra={"console": False} goes to the run's logs, not the terminal:
# the headline, which the command prints itself.
NOT_ON_CONSOLE = {"console": False}
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class OwnProgressAndWarnings(logging.Filter):
    """Warnings and errors from anywhere; below that, only what our flows and tasks print
    (log_prints turns a print into a run-logger record that points at our code)."""

    def __init__(self, prefect_package: Path) -> None:
        super().__init__()
        self._prefect = str(prefect_package)

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "console", True):
            return False
        if record.levelno >= logging.WARNING:
            return True
        return record.name.startswith(_RUN_LOGGERS) and not record.pathname.startswith(
            self._prefect)


class ShortFormat(logging.Formatter):
    """'12:04:31  loaded 271 files': the time and the message; the level only when it is
    a warning or worse."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s  %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno >= logging.WARNING:
            time, _, message = text.partition("  ")
            text = f"{time}  {record.levelname}: {message}"
        return text


@contextmanager
def quiet_prefect_console() -> Iterator[None]:
    """While a command runs: the filter and format on Prefect's console handlers (set up on
    import), pointed at this command's stderr. They keep the stream of the moment Prefect was
    imported, which a caller (a test, an embedding program) may since have replaced; each is
    put back as it was afterwards."""
    import prefect
    from prefect.logging.handlers import PrefectConsoleHandler

    package = Path(prefect.__file__).parent
    handlers = {h for name in ("", "uvicorn", "fastapi")
                for h in logging.getLogger(name).handlers if isinstance(h, PrefectConsoleHandler)}
    saved = [(h, h.stream, h.console.file, h.formatter) for h in handlers]
    own = OwnProgressAndWarnings(package)
    for handler in handlers:
        handler.stream = handler.console.file = sys.stderr
        handler.addFilter(own)
        handler.setFormatter(ShortFormat())
    try:
        yield
    finally:
        for handler, stream, file, formatter in saved:
            handler.removeFilter(own)
            handler.setFormatter(formatter)
            handler.stream, handler.console.file = stream, file
