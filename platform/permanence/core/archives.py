"""Opening a ZIP an upload holds (an .xlsx workbook, a Word paper) without inflating a bomb.

An Office file is a ZIP, and a few KB of ZIP can claim gigabytes once decompressed, or a
directory of a million parts. ``open_zip`` reads the sizes the archive's directory declares
and refuses it before anything is decompressed; ``zipfile`` never returns more bytes than a
part declares, so the declared sizes bound what any reader (openpyxl) inflates.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

MB = 1024 * 1024
# The most bytes a directory entry of a part of a sane Office file takes (46 fixed, the name, extras).
_ENTRY_BYTES = 1024
_END = b"PK\x05\x06"
_END_SIZE = 22
# What zipfile raises for a damaged or unusual archive (NotImplementedError: a compression method it
# does not support; RuntimeError: an encrypted part): each is "this file cannot be read", never a 500.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
               ValueError)


class ArchiveRefused(ValueError):
    """The ZIP is past a limit; ``reason`` completes "<file name> ..."."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB"


def open_zip(data: bytes, *, max_members: int, max_uncompressed: int) -> zipfile.ZipFile:
    """The archive, once its directory shows at most ``max_members`` parts that decompress to at most
    ``max_uncompressed`` bytes in all; raises ``ArchiveRefused``, or ``zipfile.BadZipFile`` for bytes
    that are not a ZIP."""
    too_many = f"has more than {max_members:,} parts inside it"
    at = data.rfind(_END, max(0, len(data) - _END_SIZE - 0xFFFF))
    if at < 0 or len(data) < at + _END_SIZE:
        raise zipfile.BadZipFile("no end of central directory")
    entries, directory_size = struct.unpack("<HL", data[at + 10:at + 16])
    # 0xFFFF entries or an unsized directory is a ZIP64 archive: thousands of parts or gigabytes.
    if entries > max_members or entries == 0xFFFF or directory_size > max_members * _ENTRY_BYTES:
        raise ArchiveRefused(too_many)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise zipfile.BadZipFile(str(exc)) from None
    members = archive.infolist()
    if len(members) > max_members:
        raise ArchiveRefused(too_many)
    if sum(m.file_size for m in members) > max_uncompressed:
        raise ArchiveRefused(f"expands to more than {_size(max_uncompressed)} when opened")
    return archive


# What may come before an XML document's root element: its declaration, comments, instructions.
_PROLOG = re.compile(r"\A\ufeff?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_HEAD_BYTES = 16 * 1024


def xml_declares_entities(archive: zipfile.ZipFile) -> str | None:
    """The first XML part with a document type declaration (where entities are declared: an
    entity bomb), or whose root element does not start within 16 KB; None when there is none.
    Office applications never write one."""
    for member in archive.infolist():
        if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(member) as part:
                head = part.read(_HEAD_BYTES)
        except _ZIP_ERRORS + (zlib.error,):
            return member.filename
        if not head:
            continue
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
            text = head.decode("utf-16", errors="ignore") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else \
                head.decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", errors="ignore")
        else:
            text = head.decode("utf-8", errors="ignore")
        rest = text[_PROLOG.match(text).end():]
        if not rest[:1] == "<" or rest.startswith("<!"):
            return member.filename
    return None
