"""A dossier item's scan through the API: attached as a multipart body with the version read,
kept with what was recorded of the item, listed on the checklist, read back byte for byte (a
read of the read log), and refused as the item's page refuses it: a stale version, a file that
is no scan, an empty one, a read-only token, a case outside the scope."""
import io

import sqlalchemy as sa

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from conftest import count_events
from pipeline.extensions import db
from pipeline.readlog.models import SCAN_FILE, ReadLog

SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def scan_body(version, content=SCAN, name="don-xin.pdf"):
    return {"version": str(version), "scan": (io.BytesIO(content), name)}


def test_a_scan_is_attached_kept_with_the_item_and_read_back(app, world, make_case):
    case = make_case("dossier")
    api, secret = app.test_client(), token_for(world["sec_a1"])
    version = api.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).json["version"]
    noted = api.post(f"/api/v1/cases/{case.id}/dossier/1-KNĐ", headers=bearer(secret),
                     json={"version": version, "received": True, "received_on": "2021-09-20", "note": "Bản gốc"})
    assert noted.status_code == 201, noted.json
    before = count_events(case.id)
    attached = api.post(f"/api/v1/cases/{case.id}/dossier/1-KNĐ/scan", headers=bearer(secret),
                        data=scan_body(noted.json["version"]), content_type="multipart/form-data")
    assert attached.status_code == 201, attached.json
    assert attached.json["entry"]["act"] == "record_document" and count_events(case.id) == before + 1
    line = next(line for line in api.get(f"/api/v1/cases/{case.id}/dossier", headers=bearer(secret)).json
                if line["key"] == "1-KNĐ")
    # What was recorded of the item stays; the scan is named on its line.
    assert line["received"] and line["received_on"] == "2021-09-20" and line["note"] == "Bản gốc"
    assert line["scan"] == {"name": "don-xin.pdf", "type": "application/pdf", "size": len(SCAN)}
    downloaded = api.get(f"/api/v1/cases/{case.id}/dossier/1-KNĐ/scan", headers=bearer(secret))
    assert downloaded.status_code == 200 and downloaded.data == SCAN
    assert downloaded.mimetype == "application/pdf" and downloaded.headers["X-Content-Type-Options"] == "nosniff"
    read = db.session.execute(sa.select(ReadLog).order_by(ReadLog.id.desc())).scalars().first()
    assert (read.kind, read.case_id, read.detail) == (SCAN_FILE, case.id, "API 1-KNĐ")
    # An item without a scan has none to read.
    assert api.get(f"/api/v1/cases/{case.id}/dossier/2-KNĐ/scan", headers=bearer(secret)).status_code == 404


def test_a_scan_is_refused_as_the_page_refuses_it(app, world, make_case):
    case = make_case("dossier")
    api, secret = app.test_client(), token_for(world["sec_a1"])
    version = api.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).json["version"]
    before = count_events(case.id)
    url = f"/api/v1/cases/{case.id}/dossier/1-KNĐ/scan"

    def post(body, secret=secret, **headers):
        return api.post(url, headers=bearer(secret, **headers), data=body, content_type="multipart/form-data")

    stale = post(scan_body(version + 5))
    assert stale.status_code == 409
    not_a_scan = post(scan_body(version, b"MZ\x90\x00 not a document", "don.exe"), **{"Accept-Language": "en"})
    assert not_a_scan.status_code == 422
    assert "is not a PDF, JPEG or PNG document" in not_a_scan.json["errors"]["multipart"]["scan"][0]
    assert "don.exe" in not_a_scan.json["errors"]["multipart"]["scan"][0]
    empty = post(scan_body(version, b""))
    assert empty.status_code == 422 and "không có nội dung" in empty.json["errors"]["multipart"]["scan"][0]
    missing = post({"version": str(version)})
    assert missing.status_code == 422 and "scan" in missing.json["errors"]["multipart"]
    assert post(scan_body(version), token_for(world["sec_a1"], may_write=False)).status_code == 403
    # Outside the scope, the case is not there.
    assert post(scan_body(version), token_for(world["sec_b1"])).status_code == 404
    assert count_events(case.id) == before
    assert api.get(url, headers=bearer(token_for(world["sec_b1"]))).status_code == 404


def test_every_role_and_token_against_the_scans(app, world):
    """Each role's token, read-only and read-write, on a scan inside its scope and outside it:
    outside is a 404 that shows nothing; a read-only token and a role that records no document
    are refused (403); a role that may record one is refused only by the version (409); nothing
    is written by any of them."""
    from pipeline.dossier.operations import DocumentEntry, Upload, record_document
    places = api_places(world)
    for place, recorder in (("a1", "sec_a1"), ("b1", "com_b")):
        record_document(places[place]["case"], world[recorder], DocumentEntry("1-KNĐ"),
                        upload=Upload(SCAN, "don-xin.pdf", "application/pdf"))
    api = app.test_client()
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    before, problems = snapshot(), []
    for who in ROLES:
        for place, ids in places.items():
            url = f"/api/v1/cases/{ids['case']}/dossier/1-KNĐ/scan"
            inside = who in WHERE[place] and place != "other"
            for write in (False, True):
                read = api.get(url, headers=bearer(tokens[who, write]))
                if read.status_code != (200 if inside else 404) or (not inside and SCAN in read.data):
                    problems.append(f"GET {who} {place} write={write}: {read.status_code}")
                sent = api.post(url, headers=bearer(tokens[who, write]), data=scan_body(2**31 - 1),
                                content_type="multipart/form-data")
                expected = (403 if not write else 404 if who not in WHERE[place]
                            else 409 if ROLES[who] in ("sec_a1", "com_a") else 403)
                if sent.status_code != expected:
                    problems.append(f"POST {who} {place} write={write}: {sent.status_code} != {expected}")
    assert snapshot() == before
    assert not problems, "\n".join(problems)


def test_a_multipart_part_without_a_usable_name_is_refused_not_a_server_error(app, client, world, make_case):
    """Schemathesis sent a part named by a carriage return, which Werkzeug reads as no name: the
    request check failed on it (500), for the pages' uploads as for the API's."""
    case = make_case("dossier")
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="\r"\r\n\r\nnull\r\n--{boundary}--\r\n').encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    api = app.test_client()
    answer = api.post(f"/api/v1/cases/{case.id}/dossier/1-KNĐ/scan", data=body,
                      headers=bearer(token_for(world["sec_a1"]), **headers))
    assert answer.status_code == 400 and answer.is_json
    page = client.post(f"/candidates/{case.id}/dossier/1-KNĐ", data=body, headers=headers)
    assert page.status_code == 400
