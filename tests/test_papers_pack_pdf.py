"""The papers pack as one PDF (issue 17 item 2): each member's pack is built when the agenda is
published and again when a paper changes; it holds a cover, the agenda with its times and the papers
the member may read, bookmarked by part, item and paper, every page numbered and stamped with the
reader's name; a member ruled out of an item gets a pack without it; a Word paper is converted by
LibreOffice, a broken PDF becomes a page saying so; only the member's own pack is served.

One LibreOffice conversion in the module: the converted paper is kept by its content's SHA-256."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agenda_support import book, declare, panel, seat  # noqa: F401
from permanence.agenda.models import PapersPack
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.core.pdf import render_pdf
from permanence.documents import services as documents
from permanence.documents.convert import soffice_path
from permanence.documents.models import ConvertedPaper
from permanence.extensions import db
from permanence.panels.models import Ruling

needs_soffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed; "
                                   "`make install` installs Debian's libreoffice-writer-nogui")


def text_pdf(text: str) -> bytes:
    return render_pdf(f"<!DOCTYPE html><html><body><p>{text}</p></body></html>")


def docx(text: str) -> bytes:
    """A minimal Word document, made by hand (python-docx is not a dependency)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            '</Relationships>'))
        archive.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'))
    return buffer.getvalue()


def attach(app, tenant, item_id, by, filename, data, paperwork_id="care-plan", title="Most recent care plan"):
    with app.app_context(), tenant_context(tenant.id):
        documents.attach("agenda_item", item_id, paperwork_id=paperwork_id, title=title, filename=filename,
                         data=data, uploaded_by=by.id)
        commit()


def read(response) -> tuple[list[str], list]:
    """The text of each page and the outline (titles nested as lists)."""
    assert response.status_code == 200, response.text[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))

    def titles(outline):
        result = []
        for entry in outline:
            if isinstance(entry, list):
                result.append(titles(entry))
            else:
                result.append(entry.title)
        return result

    return [page.extract_text() for page in reader.pages], titles(reader.outline)


def packs(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return {p.user_id: (p.fingerprint, p.sha256, p.pages) for p in db.session.execute(select(PapersPack)).scalars()}


@pytest.fixture
def sitting(request, app, client, login, panel, work_jobs):  # noqa: F811
    """Two items on the first sitting: Ava's care plan a PDF and her assessment a broken PDF; Ben's
    later life letter a Word document (unless the test asks for none: one LibreOffice conversion in
    the module). The nurse is ruled out of Ben's item. Then the agenda is published."""
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    seat(app, tenant, panel["chair"], role="senior-manager", title="Senior Manager Chair")
    ava = book(app, tenant, meeting_id, panel["children"][0], position=1)
    ben = book(app, tenant, meeting_id, panel["children"][1], position=2)
    attach(app, tenant, ava, panel["admin"], "care-plan.pdf", text_pdf("Fictional care plan for Ava, version one"))
    attach(app, tenant, ava, panel["admin"], "assessment.pdf", b"%PDF-1.4\n% fictional, broken\n%%EOF\n",
           paperwork_id="cf-assessment", title="C and F assessment")
    if getattr(request, "param", True):
        attach(app, tenant, ben, panel["admin"], "letter.docx", docx("Fictional later life letter for Ben"),
               paperwork_id="other", title="Later life letter")
    declare(app, tenant, meeting_id, ben, panel["nurse"], Ruling.LEAVE)
    login(panel["admin"])
    response = client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish", follow_redirects=True)
    assert "The agenda is published" in response.text
    work_jobs()
    return {**panel, "ava": ava, "ben": ben, "url": f"/knowsley/meetings/{meeting_id}/papers.pdf"}


@needs_soffice
def test_each_member_gets_one_pdf_of_the_papers_they_may_read(app, client, login, sitting):
    tenant = sitting["tenant"]
    built = packs(app, tenant)
    assert set(built) == {sitting["nurse"].id, sitting["chair"].id}  # built by the job on publishing

    # The chair reads both items: the cover, the agenda with times, each paper, bookmarked.
    login(sitting["chair"])
    pages, outline = read(client.get(sitting["url"]))
    cover = pages[0]
    assert "Knowsley" in cover and "Permanency Panel" in cover.replace("permanency", "Permanency")
    assert "Wednesday 16 December 2026" in cover
    assert "Prepared for Chris Chair on 1 December 2026" in cover
    assert "OFFICIAL-SENSITIVE" in cover
    agenda = "\n".join(pages[:2])
    assert "09:30 to 09:40" in agenda and "Ava Fictional" in agenda and "Ben Fictional" in agenda
    text = "\n".join(pages)
    assert "Fictional care plan for Ava, version one" in text
    assert "Fictional later life letter for Ben" in text  # the Word paper, converted by LibreOffice
    placeholder = next(p for p in pages if "could not be included" in p)
    assert "C and F assessment" in placeholder and "/knowsley/papers/" in placeholder
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Prepared for Chris Chair on 1 December 2026" in page
    assert outline[0] == "Cover and agenda"
    part, items = outline[1], outline[2]
    assert "Adoption" in part or "adoption" in part.lower()
    assert items[0] == "Ava Fictional" and items[2] == "Ben Fictional"
    assert sorted(items[1]) == ["C and F assessment", "Most recent care plan"] and items[3] == ["Later life letter"]

    # The nurse was ruled out of Ben's item: no page, no bookmark, no line on the cover.
    login(sitting["nurse"])
    pages, outline = read(client.get(sitting["url"]))
    text = "\n".join(pages)
    assert "Ben Fictional" not in text and "later life letter" not in text.lower()
    assert "Fictional care plan for Ava, version one" in text
    assert "Ben Fictional" not in repr(outline) and "Ava Fictional" in repr(outline)
    assert all("Prepared for Nora Nurse on 1 December 2026" in page for page in pages)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]

    # Each download is audited as a read of the children named, and as a download of the pack.
    from permanence.audit.models import AuditEvent

    with app.app_context(), tenant_context(tenant.id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.actor_id == sitting["nurse"].id)
                                    .order_by(AuditEvent.id)).scalars().all()
        reads = [e for e in events if e.action == "read" and e.changes.get("page", "").endswith("papers.pdf")]
        downloads = [e for e in events if e.action == "download"]
        assert reads and str(sitting["children"][0].id) in repr(reads[-1].changes) + str(reads[-1].entity_id)
        assert str(sitting["children"][1].id) not in repr(reads[-1].changes["ids"])
        assert downloads and downloads[-1].changes["subject_type"] == "papers_pack"
        assert downloads[-1].changes["items"] == [sitting["ava"]]
        assert db.session.execute(select(ConvertedPaper)).scalars().all()  # the conversion is kept


@pytest.mark.parametrize("sitting", [False], indirect=True, ids=["no-word-paper"])
def test_a_new_version_of_a_paper_rebuilds_the_packs_it_is_in(app, client, login, sitting, work_jobs):
    tenant = sitting["tenant"]
    before = packs(app, tenant)
    attach(app, tenant, sitting["ava"], sitting["admin"], "care-plan.pdf",
           text_pdf("Fictional care plan for Ava, version two"))
    work_jobs()
    after = packs(app, tenant)
    for user in (sitting["nurse"], sitting["chair"]):
        assert after[user.id][0] != before[user.id][0] and after[user.id][1] != before[user.id][1]
    login(sitting["nurse"])
    pages, _ = read(client.get(sitting["url"]))
    text = "\n".join(pages)
    assert "version two" in text and "version one" not in text

    # The chair rules the nurse out of Ava's item too: her kept pack goes, she has nothing left to read.
    from permanence.panels.models import Declaration

    with app.app_context(), tenant_context(tenant.id):
        declaration = Declaration(meeting_id=sitting["meeting_id"], agenda_item_id=sitting["ava"],
                                  user_id=sitting["nurse"].id, interest="Knows the carers (fictional)")
        db.session.add(declaration)
        commit()
        declaration_id = declaration.id
    login(sitting["chair"])
    response = client.post(f"/knowsley/declarations/{declaration_id}/ruling", data={"ruling": "leave"})
    assert response.status_code == 302
    work_jobs()
    assert sitting["nurse"].id not in packs(app, tenant) and sitting["chair"].id in packs(app, tenant)
    login(sitting["nurse"])
    assert client.get(sitting["url"]).status_code == 403


def test_only_a_member_entitled_to_papers_gets_a_pack(app, client, login, panel, make_user):  # noqa: F811
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    ava = book(app, tenant, meeting_id, panel["children"][0])
    attach(app, tenant, ava, panel["admin"], "care-plan.pdf", text_pdf("Fictional care plan for Ava"))
    url = f"/knowsley/meetings/{meeting_id}/papers.pdf"
    login(panel["outsider"])  # a panel member not seated on this panel: nothing to read
    assert client.get(url).status_code == 403
    assert "Download the papers pack as one PDF" not in client.get(f"/knowsley/meetings/{meeting_id}/papers").text
    senior = make_user(tenant, ["senior_manager"], email="senior@knowsley.example.org", name="Sue Senior")
    login(senior)  # no papers.view
    assert client.get(url).status_code == 403
    login(panel["nurse"])
    assert client.get("/knowsley/meetings/999999/papers.pdf").status_code == 404
    page = client.get(f"/knowsley/meetings/{meeting_id}/papers")
    assert "Download the papers pack as one PDF" in page.text and f'href="{url}"' in page.text
    # Not yet published: no pack kept, so it is built for this download (and not kept by a GET).
    pages, outline = read(client.get(url))
    assert "Fictional care plan for Ava" in "\n".join(pages) and "Ava Fictional" in repr(outline)
    assert f"Page 1 of {len(pages)}" in pages[0] and "Prepared for Nora Nurse" in pages[0]
    assert packs(app, tenant) == {}


def test_the_stamp_fits_each_page_size_and_no_name_can_break_it(app):
    from permanence.agenda import pack

    name = 'Siân O\'Brien "}; @page { } \\'
    with app.test_request_context():
        stamps = pack._stamp([(595.28, 841.89), (841.89, 595.28), (595.28, 841.89)], name, "1 December 2026")
    assert [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in stamps.pages] == [
        (595, 842), (842, 595), (595, 842)]
    for number, page in enumerate(stamps.pages, start=1):
        assert f"Prepared for {name} on 1 December 2026" in page.extract_text()
        assert f"Page {number} of 3" in page.extract_text()


# --- a paper as PDF (documents.convert) -------------------------------------------------------------

def _version(media_type, filename, content):
    from permanence.documents.models import DocumentVersion

    return DocumentVersion(id=0, number=1, filename=filename, media_type=media_type, size=len(content),
                           sha256="0" * 64, content=content)


def test_papers_of_each_kind_become_pages_or_say_why_not(app, tmp_path, monkeypatch):
    from pypdf import PdfWriter

    from permanence.documents import convert
    from test_documents import png

    writer = PdfWriter(clone_from=io.BytesIO(text_pdf("Locked")))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    with app.test_request_context():
        image = convert.paper_as_pdf(_version("image/png", "photo.png", png()), "Photograph")
        text = convert.paper_as_pdf(_version("text/plain", "note.txt", "A fictional note, £5".encode()), "Note")
        encrypted = convert.paper_as_pdf(_version("application/pdf", "locked.pdf", locked.getvalue()), "Locked")
        broken = convert.paper_as_pdf(_version("application/pdf", "broken.pdf", b"%PDF-1.4 nothing"), "Broken")
    assert len(PdfReader(io.BytesIO(image.pdf)).pages) == 1
    assert "Photograph (photo.png)" in PdfReader(io.BytesIO(image.pdf)).pages[0].extract_text()
    assert "A fictional note, £5" in PdfReader(io.BytesIO(text.pdf)).pages[0].extract_text()
    assert encrypted.pdf is None and encrypted.problem == "it is protected by a password"
    assert broken.pdf is None and "could not be read as a PDF" in broken.problem

    # LibreOffice that hangs is killed at the timeout, process group and all, and says so.
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    script.chmod(0o755)
    monkeypatch.setattr(convert, "soffice_path", lambda: str(script))
    with pytest.raises(convert.ConversionError, match="took longer than 1 seconds"):
        convert.office_to_pdf(b"not really a document", ".docx", timeout=1)
    monkeypatch.setattr(convert, "soffice_path", lambda: None)
    with pytest.raises(convert.ConversionError, match="not installed"):
        convert.office_to_pdf(b"not really a document", ".docx")
