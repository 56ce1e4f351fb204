"""Small files that are huge once read: ZIP bombs, entity bombs and runaway tables, for the upload tests."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook


def workbook(rows=(("FWi number", "Legal status"), ("FWI-1", "C2"))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The ZIP ``data`` with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item)))
        for name, body in add.items():
            target.writestr(name, body)
    return out.getvalue()


def zip_bomb(data: bytes, part: str = "xl/worksheets/sheet2.xml", megabytes: int = 210) -> bytes:
    """``data`` with one more part that deflates from under a megabyte to ``megabytes`` MB of XML."""
    out = io.BytesIO(rezip(data))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(part, "w") as target:
            chunk = b"<row/>" * (1 << 17)  # 768 KB
            for _ in range(megabytes * 4 // 3):
                target.write(chunk)
    return out.getvalue()


def many_parts(data: bytes, parts: int) -> bytes:
    return rezip(data, add={f"customXml/item{i}.xml": b"<a/>" for i in range(parts)})


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>"""
