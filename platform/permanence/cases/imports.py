"""The SSDA903 import's names where the rest of the code has always found them (``cases.ssda903``
holds the import: reading, checking, writing, and the tables of the return). ``csv_rows`` is here
for the plugins that read CSV as the import does."""

from ..core.tables import csv_rows

from .ssda903 import (NEEDED, OPTIONAL, ROLES, TABLES, ChildRows, Episode, Extract, FileCount, ImportFileError,
                      ImportResult, RowError, Table, build_histories, import_903, parse_date, read_903)

HEADER_COLUMNS = TABLES["header"].columns
EPISODE_COLUMNS = TABLES["episodes"].columns
REVIEW_COLUMNS = TABLES["reviews"].columns

__all__ = ["EPISODE_COLUMNS", "HEADER_COLUMNS", "NEEDED", "OPTIONAL", "REVIEW_COLUMNS", "ROLES", "TABLES", "ChildRows",
           "Episode", "Extract", "FileCount", "ImportFileError", "ImportResult", "RowError", "Table", "build_histories",
           "csv_rows", "import_903", "parse_date", "read_903"]
