"""Deliver decision records to a drop folder that the case record system's document import watches.

Settings (under ``plugins.settings.case_record_folder`` in the council's ``tor.yaml``):

``folder``
    The council's sub-folder of the operator's ``CASE_RECORD_DROP_ROOT`` (one name: letters,
    digits, ``.``, ``_`` and ``-``; no path). The terms of reference never name a path of the
    server: the operator chooses the root, the council only its folder in it.

and the common keys of every destination (``when``, ``document_type``, ``bodies``, ``outcomes``,
``person_steps``: ``permanence.plugins.delivery``).

Each record is written as ``<key>.pdf`` then ``<key>.json`` (the manifest), each to a hidden
temporary file first, flushed to disk and renamed into place (``os.replace``), so the import never
sees half a file, and the manifest, written last, says the PDF is complete. The key is the
delivery's idempotency key: a retry finds ``<key>.json`` and writes nothing, a retry after a crash
between the two files writes the same names again, so the folder never holds a second copy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import tempfile

from flask import current_app

from permanence.plugins import Delivered, DeliveryRefused, hookimpl
from permanence.plugins import delivery as common

NAME = "case_record_folder"
OWN_KEYS = frozenset({"folder"})
FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")


@hookimpl
def validate_terms_of_reference(tor, settings):
    own, problems = common.settings_to_check(NAME, tor, settings, OWN_KEYS)
    if own is not None:
        folder = own.get("folder")
        if not isinstance(folder, str) or not FOLDER.match(folder) or folder in {".", ".."}:
            problems.append((("plugins", "settings", NAME, "folder"),
                             "folder must be one folder name (letters, digits, '.', '_' or '-'), a sub-folder of "
                             "the drop folder the server's operator sets (CASE_RECORD_DROP_ROOT); not a path"))
    return problems


@hookimpl
def describe_terms_of_reference(tor, settings):
    own = common.enabled_settings(NAME, tor, settings)
    if own is None:
        return None
    return (f"Each child's decision record is put, as PDF with a manifest, in the folder "
            f"'{own.get('folder', '')}' of the case record system's document import when {common.when_phrase(own)} "
            f"(filed as \"{common.document_type(own)}\").")


def folder_for(own: dict) -> Path:
    root = current_app.config.get("CASE_RECORD_DROP_ROOT")
    if not root:
        raise DeliveryRefused("the server's operator has not set CASE_RECORD_DROP_ROOT")
    folder = own.get("folder", "")
    if not FOLDER.match(folder) or folder in {".", ".."}:
        raise DeliveryRefused(f"the folder setting {folder!r} is not one folder name")
    root = Path(root).resolve()
    path = (root / folder).resolve()
    if not path.is_relative_to(root) or path == root:
        raise DeliveryRefused(f"the folder {folder!r} is not inside the drop folder")
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` at ``path`` all at once: a hidden temporary file in the same folder, flushed to
    disk, then renamed over ``path`` (atomic on one file system)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # the rename itself reaches the disk
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


@hookimpl
def send_decision_record(tenant_id, record, pdf, manifest, key, settings):
    own = common.own_settings(settings, NAME)
    if not KEY.match(key):
        raise DeliveryRefused("the delivery's key is not a safe file name")
    folder = folder_for(own)
    folder.mkdir(parents=True, exist_ok=True)
    pdf_path, manifest_path = folder / f"{key}.pdf", folder / f"{key}.json"
    reference = f"{folder.name}/{pdf_path.name}"
    if manifest_path.exists() and pdf_path.exists():
        return Delivered(reference=reference)  # delivered before (a retry): no second copy
    _write_atomically(pdf_path, pdf)
    _write_atomically(manifest_path, json.dumps(manifest, indent=2, sort_keys=True).encode())
    return Delivered(reference=reference)
