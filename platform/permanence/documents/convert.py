"""A paper as PDF: the one place a paper's version becomes pages another PDF can take in (the
papers pack). No Flask request objects and no commits.

- A PDF is taken as it is, once pypdf has read every page (an encrypted or broken one is refused
  with the reason, never a crash).
- A PNG or JPEG is placed on an A4 page, plain text set on A4 pages (WeasyPrint, ``core.pdf``).
- An Office paper (Word, Excel, OpenDocument, RTF, PowerPoint) is converted by LibreOffice, run
  headless in a process group of its own with its own temporary profile, killed at the timeout,
  its output size bounded. A conversion is kept per council and content (``ConvertedPaper``, by the
  version's SHA-256), so a pack rebuilt after another paper changed converts nothing again.

Whatever goes wrong becomes ``PaperPdf.problem`` (words for a placeholder page), never an exception.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import io
import logging
import os
from pathlib import Path
import shutil
import signal
import subprocess
import tempfile

from flask import render_template
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from ..core.pdf import render_pdf
from ..extensions import db
from .checks import extension_of
from .models import ConvertedPaper, DocumentVersion

log = logging.getLogger(__name__)

OFFICE_EXTENSIONS = frozenset({".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
CONVERT_TIMEOUT = 90  # seconds LibreOffice may take over one paper before its process group is killed
MAX_PDF_BYTES = 100 * 1024 * 1024  # a converted paper larger than this is not taken
MAX_PAGES = 2000  # a paper of more pages than this is not taken into a pack


@dataclass(frozen=True)
class PaperPdf:
    """The paper as PDF bytes, or why it could not be made one (``problem``, completing "could not
    be included because ...")."""

    pdf: bytes | None
    problem: str | None = None


class ConversionError(Exception):
    """LibreOffice could not convert a paper; the message completes "... because"."""


def soffice_path() -> str | None:
    """LibreOffice's command, or None where it is not installed (``make install`` installs it)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def checked_pdf(data: bytes) -> PaperPdf:
    """The PDF rewritten by pypdf once every page was read, or the problem with it."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return PaperPdf(None, "it is protected by a password")
        if not reader.pages:
            return PaperPdf(None, "it has no pages")
        if len(reader.pages) > MAX_PAGES:
            return PaperPdf(None, f"it has more than {MAX_PAGES} pages")
        writer = PdfWriter()
        writer.append(reader, import_outline=False)
        out = io.BytesIO()
        writer.write(out)
    except Exception as exc:  # pypdf raises many kinds for a damaged file; each is a placeholder, never a crash
        log.info("a PDF paper could not be read: %s", exc)
        return PaperPdf(None, "it could not be read as a PDF (it may be damaged)")
    return PaperPdf(out.getvalue())


def office_to_pdf(data: bytes, extension: str, *, timeout: int = CONVERT_TIMEOUT) -> bytes:
    """Convert an Office file to PDF with LibreOffice headless. Raises ``ConversionError``."""
    soffice = soffice_path()
    if soffice is None:
        raise ConversionError("LibreOffice is not installed on the server")
    work = Path(tempfile.mkdtemp(prefix="permanence-convert-"))
    try:
        source = work / f"paper{extension}"
        source.write_bytes(data)
        out = work / "out"
        out.mkdir()
        command = [soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(out), str(source)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "HOME": str(work)})
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise ConversionError(f"converting it took longer than {timeout} seconds") from None
        finally:
            _kill_group(process)  # LibreOffice may leave a helper behind in its group
        result = out / "paper.pdf"
        if process.returncode != 0 or not result.exists():
            log.info("LibreOffice could not convert a paper (exit %s): %s", process.returncode,
                     (output or b"")[-500:].decode(errors="replace"))
            raise ConversionError("LibreOffice could not convert it")
        if result.stat().st_size > MAX_PDF_BYTES:
            raise ConversionError("its PDF would be too large")
        return result.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
        log.warning("LibreOffice process %s did not end", process.pid)


def _converted(version: DocumentVersion, keep: bool) -> PaperPdf:
    """An Office paper as PDF: the council's kept conversion of the same content, else LibreOffice's
    (kept when ``keep``)."""
    kept = db.session.execute(select(ConvertedPaper).options(undefer(ConvertedPaper.pdf))
                              .where(ConvertedPaper.sha256 == version.sha256)).scalar_one_or_none()
    if kept is not None:
        return PaperPdf(kept.pdf)
    try:
        pdf = office_to_pdf(_content(version), extension_of(version.filename))
    except ConversionError as exc:
        return PaperPdf(None, str(exc))
    checked = checked_pdf(pdf)
    if checked.pdf is not None and keep:
        try:
            with db.session.begin_nested():
                db.session.add(ConvertedPaper(sha256=version.sha256, pdf=checked.pdf))
        except IntegrityError:  # another builder kept the same content's conversion first
            pass
    return checked


def _content(version: DocumentVersion) -> bytes:
    if "content" in version.__dict__:
        return version.content
    return db.session.execute(select(DocumentVersion.content).where(DocumentVersion.id == version.id)).scalar_one()


def paper_as_pdf(version: DocumentVersion, title: str, *, keep: bool = True) -> PaperPdf:
    """The version as PDF, or the problem (see the module's rules). ``title`` heads an image's or a
    text's page; ``keep`` False converts without keeping the conversion (a page that only reads)."""
    extension = extension_of(version.filename)
    try:
        if version.media_type == "application/pdf":
            return checked_pdf(_content(version))
        if extension in OFFICE_EXTENSIONS:
            return _converted(version, keep)
        if version.media_type in IMAGE_TYPES:
            source = f"data:{version.media_type};base64,{base64.b64encode(_content(version)).decode()}"
            return PaperPdf(render_pdf(render_template("documents/paper_image.html", title=title,
                                                       filename=version.filename, source=source)))
        if version.media_type == "text/plain":
            text = _content(version).decode("utf-8", errors="replace")
            return PaperPdf(render_pdf(render_template("documents/paper_text.html", title=title,
                                                       filename=version.filename, text=text)))
    except Exception:  # a paper is never a reason for the pack to fail
        log.exception("paper version %s could not be made a PDF", version.id)
        return PaperPdf(None, "it could not be converted to PDF")
    return PaperPdf(None, "papers of its type cannot be shown in a PDF")
