"""The papers pack as one document: for one member, one PDF of the sitting.

A cover (the council, the panel, the date, time, venue and joining link, who it was prepared for and
when, how to handle it), the agenda with its times, then each item's papers that member may read,
bookmarked by part, item and paper, every page numbered "Page i of N" and stamped with the reader's
name and the date it was built. What goes in is exactly the papers pack page's
(``services.papers_pack``): an item the member was ruled out of, or in a part their seat does not
sit for, has no page, no bookmark and no line on the cover.

pypdf merges the pages, adds the outline and lays the stamp over each page; WeasyPrint
(``core.pdf.render_pdf``) draws the cover, the placeholders and the stamps; each paper becomes PDF
through ``documents.convert.paper_as_pdf`` (a paper that cannot be becomes a page saying so and
where to download it).

Built by a job when the agenda is published and when a paper of an item on a published agenda
changes (``jobs.py``), each member's kept as a ``PapersPack`` with the fingerprint of its inputs:
an unchanged pack is not built again, a changed one is never served. No request objects, no commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import io
import json

from flask import render_template
from pypdf import PdfReader, PdfWriter, Transformation
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..accounts.models import Membership
from ..core.clock import LONDON, utcnow
from ..core.pdf import render_pdf
from ..documents.convert import paper_as_pdf
from ..documents.models import Document
from ..documents.services import version_of
from ..extensions import db
from ..notifications.services import link_to
from ..panels import services as panel_services
from ..panels.models import Meeting
from ..tenancy.models import Tenant
from .models import PapersPack
from .services import papers_pack

PACK_FORMAT = 1  # raise when the pack's layout changes, so every kept pack is built again
CONFIDENTIAL = ("OFFICIAL-SENSITIVE: personal information about children. Prepared for the named reader "
                "only: do not forward, copy or print it for anyone else, keep it secure and delete it when the "
                "panel no longer needs it.")


@dataclass
class Paper:
    document: Document
    title: str
    version_number: int
    filename: str
    sha256: str
    download_url: str


@dataclass
class PackInputs:
    """What one member's pack is made of: the papers pack page's content and the papers' versions."""

    meeting: Meeting
    page: dict  # services.papers_pack
    reader: str
    council: str
    online_link: str
    papers: dict[int, list[Paper]] = field(default_factory=dict)  # by item id

    @property
    def rows(self):
        return self.page["agenda"].rows

    def fingerprint(self) -> str:
        meeting, agenda = self.meeting, self.page["agenda"]
        facts = {
            "format": PACK_FORMAT, "council": self.council, "body": agenda.body.name, "reader": self.reader,
            "meeting": [str(meeting.date), _iso(meeting.starts_at), _iso(meeting.ends_at), meeting.venue,
                        self.online_link, meeting.status.value],
            "not_required": self.page["not_required"],
            "parts": [[part.id, part.title, [
                [row.item.id, row.item.subject_name, _iso(row.starts_at), row.minutes,
                 [u.name for u in (row.presenter, row.second_presenter) if u],
                 [item.label for item in row.paperwork.missing],
                 [[p.document.id, p.title, p.version_number, p.sha256] for p in self.papers[row.item.id]]]
                for row in part.rows]] for part in agenda.parts if part.rows],
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def pack_inputs(meeting: Meeting, membership: Membership) -> PackInputs:
    """The member's pack's inputs, read as the papers pack page reads them (the caller has made
    ``membership`` the current member: their request, or ``accounts.permissions.as_member`` in a job)."""
    page = papers_pack(meeting, membership)
    inputs = PackInputs(meeting=meeting, page=page, reader=membership.user.name,
                        council=db.session.get(Tenant, meeting.tenant_id).name,
                        online_link=panel_services.online_link(meeting))
    for row in page["agenda"].rows:
        inputs.papers[row.item.id] = [
            Paper(document, document.title, document.latest.number, document.latest.filename, document.latest.sha256,
                  link_to("documents.download", meeting.tenant_id, token=document.token))
            for document in page["papers"][row.item.id] if document.latest is not None]
    return inputs


@dataclass
class BuiltPack:
    pdf: bytes
    pages: int
    fingerprint: str
    built_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _london(at: datetime) -> datetime:
    return at.astimezone(LONDON)


def _day(at: datetime) -> str:
    at = _london(at)
    return f"{at.day} {at:%B %Y}"


class _Pages:
    """The pack's writer and its outline, page by page."""

    def __init__(self):
        self.writer = PdfWriter()

    @property
    def count(self) -> int:
        return len(self.writer.pages)

    def add(self, pdf: bytes) -> int:
        """Append a PDF's pages; returns the index of its first page."""
        start = self.count
        self.writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)
        return start

    def mark(self, title: str, page: int, parent=None):
        return self.writer.add_outline_item(title=title, page_number=page, parent=parent)


def _cover(inputs: PackInputs, built_at: datetime) -> bytes:
    meeting = inputs.meeting
    start = _london(meeting.starts_at) if meeting.starts_at else None
    end = _london(meeting.ends_at) if meeting.ends_at else None
    return render_pdf(render_template(
        "agenda/pack_cover.html", meeting=meeting, body=inputs.page["agenda"].body, council=inputs.council,
        agenda=inputs.page["agenda"], not_required=inputs.page["not_required"], papers=inputs.papers,
        start=start, end=end, online_link=inputs.online_link, reader=inputs.reader, prepared_on=_day(built_at),
        confidential=CONFIDENTIAL, LONDON=LONDON))


def _notice(heading: str, lines: list[str]) -> bytes:
    return render_pdf(render_template("agenda/pack_notice.html", heading=heading, lines=lines))


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, every character but letters, digits and spaces escaped (a
    reader's name goes into the stamp's stylesheet, so nothing in it can end the string; the space after
    each escape ends it and is not part of the text)."""
    return '"' + "".join(c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):06x} " for c in text) + '"'


def _stamp(sizes: list[tuple[float, float]], reader: str, prepared_on: str) -> PdfReader:
    """One page per pack page, of its size, bearing only the footer "Prepared for ... Page i of N"."""
    kinds = list(dict.fromkeys(sizes))
    line = f"Prepared for {reader} on {prepared_on}"
    html = render_template("agenda/pack_stamp.html", kinds=kinds, pages=[kinds.index(s) for s in sizes],
                           line=line, line_css=css_string(line))
    return PdfReader(io.BytesIO(render_pdf(html)))


def _paper_pages(pages: _Pages, paper: Paper, item_name: str, keep: bool) -> int:
    """Append the paper (or the page saying why it could not be) and return its first page."""
    version = version_of(paper.document, paper.version_number)
    converted = paper_as_pdf(version, paper.title, keep=keep) if version is not None else None
    if converted is not None and converted.pdf is not None:
        try:
            return pages.add(converted.pdf)
        except Exception:  # a PDF pypdf read but cannot copy: the placeholder below instead
            pass
    reason = converted.problem if converted is not None else "its version could not be found"
    return pages.add(_notice(f"{paper.title}: could not be included", [
        f"The paper \u201c{paper.title}\u201d ({paper.filename}, version {paper.version_number}) for {item_name} "
        f"could not be included in this pack because {reason}.",
        f"Download it from the papers pack page on the platform: {paper.download_url}",
    ]))


def build(inputs: PackInputs, *, keep: bool = True) -> BuiltPack:
    """Build the member's pack now (``keep``: Office conversions are kept for the next build)."""
    built_at = utcnow()
    pages = _Pages()
    pages.mark("Cover and agenda", pages.add(_cover(inputs, built_at)))
    for part in inputs.page["agenda"].parts:
        if not part.rows:
            continue
        part_mark = None
        for row in part.rows:
            name = row.item.subject_name
            papers = inputs.papers[row.item.id]
            if not papers:
                first = pages.add(_notice(name, ["No papers had been uploaded for this item when the pack was "
                                                 "prepared. Look on the papers pack page on the platform for any "
                                                 "uploaded since."]))
                starts = [first]
            else:
                starts = [_paper_pages(pages, paper, name, keep) for paper in papers]
            if part_mark is None:
                part_mark = pages.mark(part.title, starts[0])
            item_mark = pages.mark(name, starts[0], parent=part_mark)
            for paper, start in zip(papers, starts):
                pages.mark(paper.title, start, parent=item_mark)
    writer = pages.writer
    sizes = []
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.cropbox
        sizes.append((round(float(box.width), 2), round(float(box.height), 2)))
    stamps = _stamp(sizes, inputs.reader, _day(built_at))
    for page, stamp in zip(writer.pages, stamps.pages):
        box = page.cropbox
        page.merge_transformed_page(stamp, Transformation().translate(float(box.left), float(box.bottom)))
    meeting, body = inputs.meeting, inputs.page["agenda"].body
    writer.add_metadata({"/Title": f"Papers pack, {body.name}, {meeting.date.day} {meeting.date:%B %Y}",
                         "/Subject": f"Prepared for {inputs.reader} on {_day(built_at)}",
                         "/Producer": "Permanence"})
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return BuiltPack(out.getvalue(), len(writer.pages), inputs.fingerprint(), built_at)


def stored(meeting_id: int, user_id: int, *, with_pdf: bool = False) -> PapersPack | None:
    stmt = select(PapersPack).where(PapersPack.meeting_id == meeting_id, PapersPack.user_id == user_id)
    if with_pdf:
        stmt = stmt.options(undefer(PapersPack.pdf))
    return db.session.execute(stmt).scalar_one_or_none()


def keep_pack(meeting: Meeting, user_id: int, built: BuiltPack) -> PapersPack:
    """Store the member's pack, replacing the one kept before."""
    row = stored(meeting.id, user_id)
    if row is None:
        row = PapersPack(meeting_id=meeting.id, user_id=user_id)
        db.session.add(row)
    row.built_at, row.fingerprint, row.sha256 = built.built_at, built.fingerprint, built.sha256
    row.pages, row.size, row.pdf = built.pages, len(built.pdf), built.pdf
    db.session.flush()
    return row


def filename(meeting: Meeting) -> str:
    return f"papers-pack-{meeting.body_id}-{meeting.date.isoformat()}.pdf"
