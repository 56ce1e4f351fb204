"""Import children and their histories from an SSDA903 return (the DfE's CSV tables).

The 903 is the one extract every council's case system already produces (domain.md §4). Reading
(``reading``: encodings, columns, rows) and checking (``parsing.read_903``: every row, each bad one
reported once with its file, row, column and reason) come before writing (``writing.import_903``:
only the differences from what a 903 import wrote before). ``tables`` says, for every table and
column of the return, whether the record keeps it or the run's report names it 'not used'.
Children are matched on case number (903 CHILD); rows carry origin ``ssda903`` and the return's
collection year, and a re-import replaces only those.
"""

from ...core.tables import ImportFileError
from .parsing import ChildRows, Episode, Extract, collection_year, read_903
from .reading import FileCount, RowError, parse_date
from .tables import NEEDED, OPTIONAL, ROLES, TABLES, Table
from .writing import ImportResult, build_histories, import_903

__all__ = ["NEEDED", "OPTIONAL", "ROLES", "TABLES", "ChildRows", "Episode", "Extract", "FileCount", "ImportFileError",
           "ImportResult", "RowError", "Table", "build_histories", "collection_year", "import_903", "parse_date",
           "read_903"]
