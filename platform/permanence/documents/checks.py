"""What a paper may be: its name cleaned, its size capped, its type recognised from its content.

The type is read from the bytes, never from the name's extension or the type the browser
sends, and the name must agree with the content. This is a small sniffer over the standard
library rather than a package: ``filetype`` (last released 2022) recognises Office files by
searching the first 8 KB for byte patterns and knows no plain text, and ``python-magic``
needs the system's libmagic, which is just as heuristic for Office files. Here an Office file
must be a ZIP whose directory holds the parts that make it a Word, Excel or OpenDocument file,
and macro-enabled files are refused.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from ..core.archives import ArchiveRefused, open_zip

MB = 1024 * 1024
# An Office paper is a ZIP; its directory is checked before any part is read. Papers are only
# sniffed here, but whoever opens one should not meet a bomb either.
MAX_OFFICE_PARTS = 10_000
MAX_OFFICE_UNCOMPRESSED = 1024 * MB


class PaperError(ValueError):
    """A paper was refused; ``message`` says which file and why, ``field`` which form field."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str  # as an officer would name it: "a Word document"
    short: str  # in lists: "Word (.docx)"
    extensions: tuple[str, ...]
    media_type: str


PDF = FileKind("pdf", "a PDF", "PDF", (".pdf",), "application/pdf")
DOCX = FileKind("docx", "a Word document", "Word (.docx)", (".docx",),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", "an Excel spreadsheet", "Excel (.xlsx)", (".xlsx",),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODT = FileKind("odt", "an OpenDocument text document", "OpenDocument text (.odt)", (".odt",),
               "application/vnd.oasis.opendocument.text")
PNG = FileKind("png", "a PNG image", "PNG", (".png",), "image/png")
JPEG = FileKind("jpeg", "a JPEG image", "JPEG", (".jpg", ".jpeg"), "image/jpeg")
TEXT = FileKind("text", "plain text", "plain text (.txt)", (".txt",), "text/plain")

KINDS: tuple[FileKind, ...] = (PDF, DOCX, XLSX, ODT, PNG, JPEG, TEXT)
BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
ACCEPT = ",".join(BY_EXTENSION)  # for <input type=file accept=...>, a convenience only
ALLOWED_TEXT = ", ".join(k.short for k in KINDS[:-1]) + " or " + KINDS[-1].short


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: FileKind
    size: int


class _Refused(Exception):
    """The content is of a recognised kind that is never accepted (a macro-enabled file, a ZIP bomb);
    ``reason`` completes "<file name> ..."."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


MACROS = ("contains macros, which cannot be uploaded. Save it without macros (as a .docx or .xlsx file) "
          "and upload it again.")


# --- names ----------------------------------------------------------------------------------------

_RESERVED = re.compile(r'[<>:"/\\|?*;]')
MAX_NAME = 150


def clean_filename(raw: str | None) -> str:
    """The name to keep and send back: the last path part only, no control or direction-override
    characters (``report\u202efdp.exe``), none of Windows' reserved characters, no leading dots."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = _RESERVED.sub("_", name)
    name = re.sub(r" +", " ", name).strip(" .")
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext)].rstrip(" .") + ext
    return name


def extension_of(filename: str) -> str:
    return os.path.splitext(filename)[1].lower()


# --- content --------------------------------------------------------------------------------------

def _read_small(archive: zipfile.ZipFile, name: str, limit: int = MB) -> bytes | None:
    """A member's bytes if it is small (the parts we read are a few KB; never inflate a bomb)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    return archive.read(info)


def _zip_kind(data: bytes) -> FileKind | None:
    try:
        archive = open_zip(data, max_members=MAX_OFFICE_PARTS, max_uncompressed=MAX_OFFICE_UNCOMPRESSED)
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = (_read_small(archive, "mimetype", 200) or b"").strip()
            if mimetype == ODT.media_type.encode() and "content.xml" in names:
                return ODT
            return None
        types = _read_small(archive, "[Content_Types].xml")
        if types is None:
            return None
    except ArchiveRefused as exc:
        raise _Refused(f"{exc.reason}, so it was not uploaded. A paper may have at most {MAX_OFFICE_PARTS:,} "
                       f"parts and expand to at most {MAX_OFFICE_UNCOMPRESSED // MB:,} MB.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise _Refused(MACROS)
    if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in types:
        return DOCX
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in types:
        return XLSX
    return None


# Control characters other than tab, line feed, form feed and carriage return: never in plain text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(text) is None


def sniff(data: bytes) -> FileKind | None:
    """The allowed kind the bytes are, or None. Raises ``_Refused`` for a macro-enabled Office file or
    a ZIP past the limits."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return TEXT
    return None


def describe(data: bytes) -> str | None:
    """What a refused file's content is, in words, when it is a kind worth naming."""
    if data.startswith(b"MZ"):
        return "a Windows program"
    if data.startswith(b"\x7fELF"):
        return "a program"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an older Office file (.doc or .xls) or a password-protected one"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive that is not a Word, Excel or OpenDocument file"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if data[:5].lower() in (b"<!doc", b"<html"):
        return "a web page"
    if data.startswith(b"{\\rtf"):
        return "a rich text (.rtf) file"
    return None


def file_size(n: int) -> str:
    """"1.5 MB", "120 KB": a size as people read it."""
    if n >= MB:
        return f"{n / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def check_file(raw_name: str | None, data: bytes, *, max_bytes: int) -> CheckedFile:
    """Check one uploaded file; raise ``PaperError`` naming the file and the reason."""
    filename = clean_filename(raw_name)
    if not filename:
        if raw_name or data:
            raise PaperError("The selected file has no usable name. Rename it, for example care-plan.pdf, "
                             "and upload it again.")
        raise PaperError("Select a file to upload")
    if len(data) > max_bytes:
        raise PaperError(f"{filename} is larger than {file_size(max_bytes)}, the most a paper may be. "
                         "Select a smaller file, or save the paper in parts.")
    if not data:
        raise PaperError(f"{filename} is empty. Select the file again, or check it was saved.")
    extension = extension_of(filename)
    if not extension:
        raise PaperError(f"{filename} has no file type at the end of its name. Upload a {ALLOWED_TEXT} file "
                         "whose name ends with its type, for example .pdf.")
    expected = BY_EXTENSION.get(extension)
    if expected is None:
        raise PaperError(f"{filename} cannot be uploaded: files ending {extension} are not accepted. "
                         f"Upload a {ALLOWED_TEXT} file.")
    try:
        actual = sniff(data)
    except _Refused as exc:
        raise PaperError(f"{filename} {exc.reason}") from None
    if actual is None:
        what = describe(data) or f"not {expected.label}"
        advice = " Save it as UTF-8 text and upload it again." if expected is TEXT else ""
        raise PaperError(f"{filename} is named as {expected.label} but its content is {what}, "
                         f"so it was not uploaded.{advice}")
    if actual is not expected:
        raise PaperError(f"{filename} is named as {expected.label} but its content is {actual.label}. "
                         f"Rename it to end {actual.extensions[0]}, or select the right file.")
    return CheckedFile(filename=filename, kind=actual, size=len(data))
