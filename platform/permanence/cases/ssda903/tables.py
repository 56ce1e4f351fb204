"""The tables of the SSDA903 return as the DfE specifies them, and what Permanence does with each.

Every column of every table is either read into the child's record or named in a run's report as
not used, so nothing in a council's return is dropped without a word. A file given for a table must
carry the table's required columns (else it is not that table, or a column that matters is missing:
an Episodes file without DEC and REC would bring every child in still in care); an optional column
missing is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    role: str  # the form field and the CLI option (``--placed-adoption``)
    name: str  # the DfE's name of the table
    columns: tuple[str, ...]  # the DfE's columns (lac_validator config.column_names)
    required: frozenset[str]  # without these the file is refused
    not_used: tuple[str, ...] = ()  # columns read by nobody, and why
    why_not_used: str = ""
    used: bool = True  # False: the whole table is reported 'not used'
    needed: bool = False  # the upload must include it

    @property
    def default_file(self) -> str:
        return f"{self.role}.csv"


TABLES: dict[str, Table] = {t.role: t for t in (
    Table("header", "Header", ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
          frozenset({"CHILD", "SEX", "DOB"}), not_used=("UPN", "MOTHER", "MC_DOB"),
          why_not_used="the pupil number and the child's own motherhood do not bear on permanence decisions",
          needed=True),
    Table("episodes", "Episodes", ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
          frozenset({"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"}),
          not_used=("HOME_POST", "PL_POST"), why_not_used="postcodes are not kept on the child's record",
          needed=True),
    Table("reviews", "Reviews", ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), frozenset({"CHILD", "REVIEW"}),
          needed=True),
    Table("uasc", "UASC", ("CHILD", "SEX", "DOB", "DUC"), frozenset({"CHILD", "DUC"}), not_used=("SEX",),
          why_not_used="the Header table gives it"),
    Table("placed_adoption", "PlacedAdoption", ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED",
                                                "REASON_PLACED_CEASED"),
          frozenset({"CHILD", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"})),
    Table("ad1", "AD1", ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
                         "LS_ADOPTR"), frozenset({"CHILD", "DATE_INT", "DATE_MATCH"})),
    Table("prev_perm", "PrevPerm", ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
          frozenset({"CHILD", "PREV_PERM"})),
    Table("missing", "Missing", ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
          frozenset({"CHILD", "MISSING", "MIS_START", "MIS_END"})),
    Table("oc2", "OC2", ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
                         "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
                         "INTERVENTION_OFFERED"), frozenset({"CHILD"})),
    Table("oc3", "OC3", ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), frozenset({"CHILD"})),
    # Who the child's social worker was, and deprivations of liberty, do not bear on permanence
    # decisions (the app keeps its own allocated worker): the tables are read for their columns only.
    Table("sw_episodes", "SWEpisodes", ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
          frozenset({"CHILD"}), used=False,
          why_not_used="social worker changes are not permanence decisions; the child's page keeps its own "
                       "allocated worker"),
    Table("dolo", "DoLo", ("CHILD", "DOB", "DOLO_START", "DOLO_END"), frozenset({"CHILD"}), used=False,
          why_not_used="deprivation of liberty orders do not bear on permanence decisions"),
)}
ROLES = tuple(TABLES)
NEEDED = tuple(role for role, t in TABLES.items() if t.needed)
OPTIONAL = tuple(role for role, t in TABLES.items() if not t.needed)
