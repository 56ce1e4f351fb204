"""Papers: what may be uploaded (type read from the content, size cap, clean names), versions,
who may download (the child's object rule; another council's paper is a 404), every download
audited, unknown subject types invisible, the paperwork status the agenda shows, and the API."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.documents import services
from permanence.documents.checks import clean_filename
from permanence.documents.models import Document, DocumentVersion
from permanence.extensions import db
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor import services as tor_services
from sql_support import statements_run

REPO = Path(__file__).resolve().parents[1]


# --- synthetic files of every allowed kind ----------------------------------------------------------

def _zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), members.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx(macros: bool = False) -> bytes:
    main = ("application/vnd.ms-word.document.macroEnabled.main+xml" if macros
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
    members = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
                               f'ContentType="{main}"/></Types>'.encode(),
        "word/document.xml": b'<?xml version="1.0"?><w:document><w:body><w:p>Care plan</w:p></w:body></w:document>',
    }
    if macros:
        members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0macro"
    return _zip(members)


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Fictional tracker"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odt() -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                 "content.xml": b"<office:document-content>Later life letter</office:document-content>",
                 "META-INF/manifest.xml": b"<manifest/>"}, first="mimetype")


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def text() -> bytes:
    return "Chronology for a fictional child\n2026-01-05 Became looked after – s20\n".encode()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode"


# --- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture
def knowsley(app):
    """Knowsley as an open council with its terms of reference active (paperwork: care-plan, ...)."""
    with app.app_context():
        tenant, _ = tor_services.load_folder(REPO / "tenants" / "knowsley")
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


@pytest.fixture
def case(knowsley, make_team, make_user, make_child):
    """A child allocated to Sam Worker of Children in Care 1, and people around the child."""
    team, other_team = make_team(knowsley, "Children in Care 1"), make_team(knowsley, "Children in Care 2")
    worker = make_user(knowsley, ["social_worker"], team=team, email="sam@example.org", name="Sam Worker")
    child = make_child(knowsley, team=team, social_worker=worker, first_name="Rowan", last_name="Fictional")
    return {
        "tenant": knowsley, "child": child, "worker": worker,
        "other_team_worker": make_user(knowsley, ["social_worker"], team=other_team, name="Alex Elsewhere"),
        "admin": make_user(knowsley, ["panel_administrator"], name="Pat Admin"),
        "url": f"/knowsley/papers/upload?subject_type=child&subject_id={child.id}",
    }


def upload(client, url, filename, data, paperwork_id="care-plan", title=None):
    form = {"paperwork_id": paperwork_id, "file": (io.BytesIO(data), filename)}
    if title is not None:
        form["title"] = title
    return client.post(url, data=form, content_type="multipart/form-data")


def stored(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return (db.session.scalar(select(func.count()).select_from(Document)),
                db.session.scalar(select(func.count()).select_from(DocumentVersion)))


def documents(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(Document).order_by(Document.id)).scalars().all()
        for row in rows:
            _ = [v.number for v in row.versions]
        db.session.expunge_all()
        return rows


def audit_events(app, tenant, action):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).scalars().all()
        db.session.expunge_all()
        return rows


# --- what may be uploaded -------------------------------------------------------------------------------

@pytest.mark.parametrize("filename,make,media_type", [
    ("Care plan.pdf", pdf, "application/pdf"),
    ("care-plan.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("tracker.xlsx", xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("letter.odt", odt, "application/vnd.oasis.opendocument.text"),
    ("genogram.png", png, "image/png"),
    ("scan.JPG", jpeg, "image/jpeg"),
    ("chronology.txt", text, "text/plain"),
])
def test_each_allowed_type_is_stored_with_the_type_read_from_its_content(app, client, login, case, filename, make,
                                                                         media_type):
    login(case["worker"])
    data = make()
    response = upload(client, case["url"], filename, data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/knowsley/children/{case['child'].id}#papers"
    [document] = documents(app, case["tenant"])
    assert (document.subject_type, document.subject_id, document.paperwork_id, document.title) == \
        ("child", case["child"].id, "care-plan", "Most recent care plan")
    [version] = document.versions
    assert (version.number, version.filename, version.media_type, version.size) == (1, filename, media_type, len(data))
    page = client.get(f"/knowsley/children/{case['child'].id}").text
    assert f"Most recent care plan: {filename} uploaded as version 1" in page
    assert filename in page and "Version 1, uploaded" in page and "by Sam Worker" in page


@pytest.mark.parametrize("filename,data,message", [
    ("care-plan.pdf", EXE,
     "care-plan.pdf is named as a PDF but its content is a Windows program, so it was not uploaded."),
    ("care-plan.exe", EXE,
     "care-plan.exe cannot be uploaded: files ending .exe are not accepted. Upload a PDF, Word (.docx), "
     "Excel (.xlsx), OpenDocument text (.odt), PNG, JPEG or plain text (.txt) file."),
    ("care-plan.pdf", docx(),
     "care-plan.pdf is named as a PDF but its content is a Word document. Rename it to end .docx, "
     "or select the right file."),
    ("care-plan.docx", docx(macros=True),
     "care-plan.docx contains macros, which cannot be uploaded. Save it without macros (as a .docx or .xlsx "
     "file) and upload it again."),
    ("care-plan.docx", _zip({"notes.txt": b"just a zip"}),
     "care-plan.docx is named as a Word document but its content is a ZIP archive that is not a Word, Excel "
     "or OpenDocument file, so it was not uploaded."),
    ("care plan", pdf(),
     "care plan has no file type at the end of its name. Upload a PDF, Word (.docx), Excel (.xlsx), "
     "OpenDocument text (.odt), PNG, JPEG or plain text (.txt) file whose name ends with its type, for example .pdf."),
    ("notes.txt", b"\x00\x01binary\xff",
     "notes.txt is named as plain text but its content is not plain text, so it was not uploaded. "
     "Save it as UTF-8 text and upload it again."),
    ("empty.pdf", b"", "empty.pdf is empty. Select the file again, or check it was saved."),
])
def test_a_refused_file_is_named_with_the_reason_and_nothing_is_stored(app, client, login, case, filename, data,
                                                                       message):
    login(case["worker"])
    response = upload(client, case["url"], filename, data)
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert message in response.text
    assert '<title>Error: Most recent care plan' in response.text
    assert stored(app, case["tenant"]) == (0, 0)
    assert [e for e in audit_events(app, case["tenant"], "create") if e.entity_type.startswith("Document")] == []


def test_no_file_selected_says_so(app, client, login, case):
    login(case["worker"])
    response = client.post(case["url"], data={"paperwork_id": "care-plan"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Select a file to upload" in response.text
    assert stored(app, case["tenant"]) == (0, 0)


def test_an_oversize_paper_is_refused_with_the_limit(app, client, login, case, monkeypatch):
    monkeypatch.setitem(app.config, "PAPERS_MAX_BYTES", 2048)
    login(case["worker"])
    response = upload(client, case["url"], "scan.pdf", pdf() + b"0" * 2048)
    assert response.status_code == 422
    assert "scan.pdf is larger than 2 KB, the most a paper may be. Select a smaller file, or save the paper in parts." \
        in response.text
    assert stored(app, case["tenant"]) == (0, 0)


def test_a_request_far_over_the_limit_gets_a_clear_page_on_the_web_and_a_422_on_the_api(app, client, login, case,
                                                                                       make_token, monkeypatch):
    monkeypatch.setitem(app.config, "PAPERS_MAX_BYTES", 2048)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    login(case["worker"])
    response = upload(client, case["url"], "scan.pdf", pdf() + b"0" * 10_000)
    assert response.status_code == 413
    assert "The file is too large" in response.text
    assert "A paper must be 2 KB or smaller. The file you selected is larger, so nothing was uploaded." in response.text
    _, secret = make_token(case["tenant"], case["worker"])
    api = client.post("/knowsley/api/v1/papers/", headers={"Authorization": f"Bearer {secret}"},
                      data={"subject_type": "child", "subject_id": case["child"].id, "paperwork_id": "care-plan",
                            "file": (io.BytesIO(b"0" * 10_000), "scan.pdf")}, content_type="multipart/form-data",
                      csrf=False)
    assert api.status_code == 422
    assert api.get_json()["errors"] == {"files": {"file": [
        "The file is larger than 2 KB, the most a paper may be; nothing was uploaded"]}}
    assert stored(app, case["tenant"]) == (0, 0)


def test_names_are_cleaned_before_they_are_kept_or_sent():
    assert clean_filename("C:\\Users\\sam\\Desktop\\Care plan: June.pdf") == "Care plan_ June.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("report\u202efdp.exe") == "reportfdp.exe"  # no right-to-left override trick
    assert clean_filename(" ..hidden.pdf ") == "hidden.pdf"
    assert clean_filename("plan\r\nX-Header: 1.pdf") == "planX-Header_ 1.pdf"
    long = clean_filename("a" * 300 + ".pdf")
    assert len(long) == 150 and long.endswith(".pdf")


def test_an_other_paper_needs_a_title_and_each_title_is_its_own_paper(app, client, login, case):
    login(case["worker"])
    response = upload(client, case["url"], "letter.pdf", pdf(), paperwork_id="other", title="  ")
    assert response.status_code == 422
    assert "Enter a title for the paper, for example Later life letter" in response.text
    assert stored(app, case["tenant"]) == (0, 0)
    assert upload(client, case["url"], "letter.pdf", pdf(), paperwork_id="other", title="Later life letter").status_code == 302
    assert upload(client, case["url"], "letter-2.pdf", pdf(), paperwork_id="other", title="later life letter").status_code == 302
    assert upload(client, case["url"], "guardian.pdf", pdf(), paperwork_id="other", title="Guardian's report").status_code == 302
    rows = documents(app, case["tenant"])
    assert [(d.title, d.current_version) for d in rows] == [("Later life letter", 2), ("Guardian's report", 1)]
    page = client.get(f"/knowsley/children/{case['child'].id}").text
    assert "Later life letter" in page and "Guardian&#39;s report" in page


def test_the_upload_page_offers_the_tor_paperwork_then_the_form(app, client, login, case):
    login(case["worker"])
    choose = client.get(case["url"])
    assert choose.status_code == 200
    assert "Papers of Rowan Fictional" in choose.text and "Which paper is it?" in choose.text
    assert f'subject_id={case["child"].id}&amp;paperwork_id=care-plan">Most recent care plan</a>' in choose.text
    form = client.get(case["url"] + "&paperwork_id=care-plan")
    assert '<h1 class="govuk-heading-l">Most recent care plan</h1>' in form.text
    assert 'name="file" type="file"' in form.text and "20 MB or smaller" in form.text
    other = client.get(case["url"] + "&paperwork_id=other")
    assert "Title of the paper" in other.text
    assert client.get("/knowsley/papers/upload?subject_type=child&subject_id=999999").status_code == 404
    assert client.get(f"/knowsley/papers/upload?subject_type=mystery&subject_id={case['child'].id}").status_code == 404


def test_an_unknown_paperwork_item_is_refused(app, client, login, case):
    login(case["worker"])
    response = upload(client, case["url"], "x.pdf", pdf(), paperwork_id="made-up")
    assert response.status_code == 422
    assert "Choose which paper this is" in response.text
    assert stored(app, case["tenant"]) == (0, 0)


# --- versions and downloads -----------------------------------------------------------------------------

def test_uploading_again_adds_a_version_and_every_version_stays_downloadable(app, client, login, case):
    login(case["worker"])
    first, second = pdf() + b"% first\n", pdf() + b"% second\n"
    assert upload(client, case["url"], "care-plan-may.pdf", first).status_code == 302
    assert upload(client, case["url"], "care-plan-june.pdf", second).status_code == 302
    [document] = documents(app, case["tenant"])
    assert document.current_version == 2
    assert [(v.number, v.filename) for v in document.versions] == [(2, "care-plan-june.pdf"), (1, "care-plan-may.pdf")]
    page = client.get(f"/knowsley/children/{case['child'].id}").text
    assert "Earlier versions (1)" in page and "Version 1: care-plan-may.pdf" in page
    assert f"/knowsley/papers/{document.token}?version=1" in page
    latest = client.get(f"/knowsley/papers/{document.token}")
    assert latest.status_code == 200 and latest.data == second
    old = client.get(f"/knowsley/papers/{document.token}?version=1")
    assert old.status_code == 200 and old.data == first
    assert old.headers["Content-Disposition"] == "attachment; filename=care-plan-may.pdf"
    assert client.get(f"/knowsley/papers/{document.token}?version=3").status_code == 404
    assert client.get(f"/knowsley/papers/{document.token}?version=two").status_code == 404


def test_a_download_is_an_attachment_never_sniffed_or_cached(app, client, login, case):
    login(case["worker"])
    upload(client, case["url"], "Chronology (June).txt", text(), paperwork_id="chronology")
    [document] = documents(app, case["tenant"])
    response = client.get(f"/knowsley/papers/{document.token}")
    assert response.status_code == 200
    assert response.data == text()
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Chronology (June).txt"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_every_download_is_audited_with_the_version_taken(app, client, login, case):
    login(case["worker"])
    upload(client, case["url"], "v1.pdf", pdf())
    upload(client, case["url"], "v2.pdf", pdf() + b"%2")
    [document] = documents(app, case["tenant"])
    login(case["admin"])
    client.get(f"/knowsley/papers/{document.token}")
    client.get(f"/knowsley/papers/{document.token}?version=1")
    events = audit_events(app, case["tenant"], "download")
    versions = {v.number: v.id for v in document.versions}
    assert [(e.entity_type, e.entity_id, e.summary, e.changes["version"]) for e in events] == [
        ("DocumentVersion", str(versions[2]),
         f"Downloaded version 2 of 'Most recent care plan' (v2.pdf) of child {case['child'].id}", 2),
        ("DocumentVersion", str(versions[1]),
         f"Downloaded version 1 of 'Most recent care plan' (v1.pdf) of child {case['child'].id}", 1),
    ]
    assert {e.actor_label for e in events} == {case["admin"].email}


# --- who may read ---------------------------------------------------------------------------------------

def test_papers_are_read_only_by_those_entitled_to_the_child(app, client, login, case, make_user):
    login(case["worker"])
    upload(client, case["url"], "care-plan.pdf", pdf())
    [document] = documents(app, case["tenant"])
    url = f"/knowsley/papers/{document.token}"
    login(case["other_team_worker"])
    assert client.get(url).status_code == 403
    assert upload(client, case["url"], "mine.pdf", pdf()).status_code == 403
    iro = make_user(case["tenant"], ["iro"])
    login(iro)
    assert client.get(url).status_code == 403  # reviews other children
    for role in ("tenant_admin", "senior_manager"):
        login(make_user(case["tenant"], [role]))
        assert client.get(url).status_code == 403
    login(case["admin"])
    assert client.get(url).status_code == 200
    assert len(audit_events(app, case["tenant"], "download")) == 1  # refusals download nothing


def test_an_iro_reads_but_does_not_upload(app, client, login, case, make_user, make_child):
    iro = make_user(case["tenant"], ["iro"])
    child = make_child(case["tenant"], iro=iro)
    with app.app_context(), tenant_context(case["tenant"].id):
        version = services.attach("child", child.id, paperwork_id="care-plan", title="Most recent care plan",
                                  filename="plan.pdf", data=pdf(), uploaded_by=case["worker"].id)
        token = version.document.token
        commit()
    login(iro)
    assert client.get(f"/knowsley/papers/{token}").status_code == 200
    page = client.get(f"/knowsley/children/{child.id}").text
    assert "plan.pdf" in page and "Upload a new version" not in page
    response = upload(client, f"/knowsley/papers/upload?subject_type=child&subject_id={child.id}", "x.pdf", pdf())
    assert response.status_code == 403


def test_another_councils_paper_is_not_found(app, client, login, case, tenant_a, make_user):
    login(case["worker"])
    upload(client, case["url"], "care-plan.pdf", pdf())
    [document] = documents(app, case["tenant"])
    stranger = make_user(tenant_a, ["panel_administrator"])
    login(stranger)
    assert client.get(f"/council-a/papers/{document.token}").status_code == 404
    assert client.get(f"/knowsley/papers/{document.token}").status_code == 404  # not a member there
    assert upload(client, f"/council-a/papers/upload?subject_type=child&subject_id={case['child'].id}",
                  "x.pdf", pdf()).status_code == 404
    assert audit_events(app, case["tenant"], "download") == []


def test_a_paper_of_an_unknown_subject_type_is_visible_to_nobody(app, client, login, case):
    with app.app_context(), tenant_context(case["tenant"].id):
        document = Document(subject_type="mystery", subject_id=case["child"].id, paperwork_id="care-plan",
                            slot="care-plan", title="Orphan", current_version=1)
        db.session.add(DocumentVersion(document=document, number=1, filename="orphan.pdf",
                                       media_type="application/pdf", size=len(pdf()), sha256="0" * 64, content=pdf()))
        commit()
        token = document.token
    login(case["admin"])  # sees every child of the council
    assert client.get(f"/knowsley/papers/{token}").status_code == 403
    with app.test_request_context("/knowsley/"), tenant_context(case["tenant"].id):
        from flask import g

        from permanence.accounts.models import Membership

        g.membership = db.session.execute(select(Membership).where(
            Membership.user_id == case["admin"].id)).scalar_one()
        assert services.documents_for("mystery", case["child"].id) == []
        assert [d.title for d in services.documents_for("child", case["child"].id)] == []
    with app.app_context(), tenant_context(case["tenant"].id):
        with pytest.raises(services.PaperError, match="Papers cannot be attached to 'mystery'"):
            services.attach("mystery", case["child"].id, paperwork_id="care-plan", title="x", filename="x.pdf",
                            data=pdf(), uploaded_by=None)


# --- for the agenda: paperwork status -------------------------------------------------------------------

def test_paperwork_status_says_which_required_papers_are_in_and_which_are_missing(app, case, make_child):
    other_child = make_child(case["tenant"])
    with app.app_context(), tenant_context(case["tenant"].id):
        body = tor_services.current_tor(case["tenant"].id).bodies[0]
        items = body.paperwork_for(body.agenda_parts[0].id)
        for paperwork_id in ("care-plan", "sgo-support-plan"):
            services.attach("child", case["child"].id, paperwork_id=paperwork_id, title=paperwork_id,
                            filename=f"{paperwork_id}.pdf", data=pdf(), uploaded_by=case["worker"].id)
        commit()
        status = services.paperwork_status("child", [case["child"].id, other_child.id], items)
    required = [i.id for i in items if i.required]
    assert required == ["care-plan", "cf-assessment", "review-minutes", "chronology"]
    mine = status[case["child"].id]
    assert [i.id for i in mine.present] == ["care-plan", "sgo-support-plan"]
    assert [i.id for i in mine.missing] == ["cf-assessment", "review-minutes", "chronology"]
    assert not mine.complete
    assert [i.id for i in status[other_child.id].missing] == required
    with app.app_context(), tenant_context(case["tenant"].id):
        assert services.paperwork_status("child", [], items) == {}


def test_the_childs_page_lists_the_tor_paperwork_in_a_fixed_number_of_queries(app, client, login, case):
    login(case["worker"])
    url = f"/knowsley/children/{case['child'].id}"

    def count_queries():
        with statements_run(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    upload(client, case["url"], "care-plan.pdf", pdf())
    one = count_queries()
    for paperwork_id in ("cf-assessment", "review-minutes", "chronology", "care-plan", "chronology"):
        upload(client, case["url"], f"{paperwork_id}.pdf", pdf(), paperwork_id=paperwork_id)
    assert count_queries() == one
    page = client.get(url).text
    for label in ("Most recent care plan", "C and F assessment", "Cared for children&#39;s review minutes",
                  "SGO support plan (if appropriate)", "Other papers"):
        assert label in page


# --- the API --------------------------------------------------------------------------------------------

def test_the_api_lists_uploads_and_downloads_with_the_same_rules(app, client, case, make_token):
    _, secret = make_token(case["tenant"], case["worker"])
    headers = {"Authorization": f"Bearer {secret}"}
    child_id = case["child"].id

    def post(filename, data, **fields):
        form = {"subject_type": "child", "subject_id": child_id, "paperwork_id": "care-plan", **fields,
                "file": (io.BytesIO(data), filename)}
        return client.post("/knowsley/api/v1/papers/", headers=headers, data=form, content_type="multipart/form-data",
                           csrf=False)

    created = post("plan.pdf", pdf())
    assert created.status_code == 201
    body = created.get_json()
    assert (body["paperwork_id"], body["title"], body["current_version"]) == ("care-plan", "Most recent care plan", 1)
    assert body["versions"][0]["filename"] == "plan.pdf" and body["versions"][0]["uploaded_by"] == "Sam Worker"
    assert post("plan-2.pdf", pdf() + b"%2").get_json()["current_version"] == 2

    refused = post("plan.pdf", EXE)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"files": {"file": [
        "plan.pdf is named as a PDF but its content is a Windows program, so it was not uploaded."]}}
    unknown = post("plan.pdf", pdf(), paperwork_id="made-up")
    assert unknown.status_code == 422 and "paperwork_id" in unknown.get_json()["errors"]["form"]
    assert stored(app, case["tenant"]) == (1, 2)

    listing = client.get(f"/knowsley/api/v1/papers/?subject_type=child&subject_id={child_id}", headers=headers)
    assert listing.status_code == 200
    [paper] = listing.get_json()
    assert [v["number"] for v in paper["versions"]] == [2, 1]
    download = client.get(paper["versions"][1]["download_url"], headers=headers)
    assert download.status_code == 200 and download.data == pdf()
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/knowsley/api/v1/papers/{paper['token']}", headers=headers).get_json()["title"] == \
        "Most recent care plan"
    assert [e.changes["version"] for e in audit_events(app, case["tenant"], "download")] == [1]

    _, other_secret = make_token(case["tenant"], case["other_team_worker"])
    other = {"Authorization": f"Bearer {other_secret}"}
    assert client.get(f"/knowsley/api/v1/papers/{paper['token']}/content", headers=other).status_code == 403
    assert client.get(f"/knowsley/api/v1/papers/?subject_type=child&subject_id={child_id}",
                      headers=other).status_code == 403
    assert client.get("/knowsley/api/v1/papers/?subject_type=mystery&subject_id=1", headers=headers).status_code == 404


def test_an_office_paper_that_is_a_zip_bomb_is_refused_and_nothing_is_stored(app, client, login, case, monkeypatch):
    from bombs_support import many_parts

    from permanence.documents import checks

    monkeypatch.setattr(checks, "MAX_OFFICE_PARTS", 20)  # the same check as for a ZIP bomb, quicker to make
    login(case["worker"])
    response = upload(client, case["url"], "tracker.xlsx", many_parts(xlsx(), 20))
    assert response.status_code == 422
    assert ("tracker.xlsx has more than 20 parts inside it, so it was not uploaded. A paper may have at most 20 "
            "parts and expand to at most 1,024 MB.") in response.text
    assert stored(app, case["tenant"]) == (0, 0)
