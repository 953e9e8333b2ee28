"""E-mail digests of the queue (issue 15): off by default, sent by `send-digests` only where a mail
server is configured, to a real SMTP server started here (smtpd and aiosmtpd are not available: a
few lines of socketserver speak enough SMTP for smtplib)."""
import email
import re
import email.policy
import smtplib
import socketserver
import threading

import pytest

from pages_support import Pages
from pipeline.accounts.operations import choose_digest
from pipeline.extensions import db
from pipeline.transaction import one_transaction


class SMTPHandler(socketserver.StreamRequestHandler):
    """One SMTP session: every message accepted is kept in server.received as (sender,
    recipients, bytes)."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.strip().decode("ascii", "replace")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                sender, recipients = command, []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with a dot")
                data = []
                for body_line in iter(self.rfile.readline, b""):
                    if body_line == b".\r\n":
                        break
                    data.append(body_line[1:] if body_line.startswith(b"..") else body_line)
                self.server.received.append((sender, recipients, b"".join(data)))
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_server(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_FROM="ketnap@example.vn")
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def choose(user, address, period, language=None):
    choose_digest(user, address, period)
    if language:
        with one_transaction():
            user.language = language


def test_nothing_is_sent_and_it_says_so_without_a_mail_server(app, runner, world, make_case, monkeypatch):
    make_case("committee_review")
    choose(world["com_a"], "com.a@example.vn", "daily")
    assert app.config["MAIL_SERVER"] is None  # the default: off

    def no_connection(*args, **kwargs):
        raise AssertionError("the application connected out without a mail server configured")
    monkeypatch.setattr(smtplib, "SMTP", no_connection)
    result = runner.invoke(args=["send-digests", "--period", "daily"])
    assert result.exit_code == 0 and "No mail server is configured" in result.output


def test_the_digest_arrives_with_the_users_queue_in_their_language(app, runner, world, make_case, smtp_server):
    first = make_case("committee_review", full_name="<b>Lê</b> Văn Hai")
    second = make_case("committee_review", branch=world.branch_a2, full_name="Trần Thị Ba")
    app.config["SITE_URL"] = "https://ketnap.example.vn"
    choose(world["com_a"], "com.a@example.vn", "daily", language="vi")
    choose(world["board"], "board@example.vn", "daily", language="en")  # nothing waits for it; overdue
    choose(world["sec_a1"], "sec@example.vn", "weekly")  # not today's period
    choose(world["com_b"], "com.b@example.vn", "daily")  # nothing in its units

    result = runner.invoke(args=["send-digests", "--period", "daily"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 daily digest(s); 1 user(s) had nothing waiting or overdue." in result.output
    by_address = {recipients[0]: parsed(raw) for _sender, recipients, raw in smtp_server.received}
    assert set(by_address) == {"com.a@example.vn", "board@example.vn"}

    committee = by_address["com.a@example.vn"]
    assert committee["From"] == "ketnap@example.vn"
    # Both reviews wait for it; the admission decision's 60 working days from the branch
    # resolutions of 2021 have passed.
    assert committee["Subject"] == "Kết nạp: 2 việc chờ đồng chí, 2 hồ sơ quá hạn"
    text = committee.get_body(("plain",)).get_content()
    html = committee.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Trần Thị Ba" in body and "Ghi nhận kết quả đảng ủy cơ sở xét" in body
    assert "<b>Lê</b> Văn Hai" in text  # plain text as typed
    assert "&lt;b&gt;Lê&lt;/b&gt; Văn Hai" in html and "<b>Lê</b>" not in html
    assert f"https://ketnap.example.vn/candidates/{first.id}/act/record_committee_review" in text
    assert f'href="https://ketnap.example.vn/candidates/{second.id}/act/record_committee_review"' in html

    board = by_address["board@example.vn"]
    assert board["Subject"] == "Kết nạp: 0 waiting for you, 2 overdue"
    body = board.get_body(("plain",)).get_content()
    assert "Nothing is waiting for you." in body and "Trần Thị Ba" in body and "Admission decision, within" in body


def test_nobody_gets_a_digest_they_did_not_choose(app, runner, world, make_case, smtp_server):
    make_case("committee_review")
    assert world["com_a"].digest == "none"
    result = runner.invoke(args=["send-digests", "--period", "daily"])
    assert result.exit_code == 0 and "Sent 0 daily digest(s)" in result.output
    assert smtp_server.received == []


def test_an_unreachable_server_fails_the_command(app, runner, world, make_case):
    make_case("committee_review")
    choose(world["com_a"], "com.a@example.vn", "daily")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=2)  # discard: nobody listens
    result = runner.invoke(args=["send-digests", "--period", "daily"])
    assert result.exit_code != 0 and "no digest sent" in result.output


def test_the_period_is_required_and_checked(runner, app):
    assert runner.invoke(args=["send-digests"]).exit_code != 0
    assert runner.invoke(args=["send-digests", "--period", "hourly"]).exit_code != 0


@pytest.fixture
def pages(client):
    return Pages(client)


def test_each_user_chooses_on_their_account_page(pages, world):
    pages.login("sec_a1")
    profile = pages.get("/account")
    none = re.search(r'<input[^>]*value="none"[^>]*>', profile.get_data(as_text=True)).group(0)
    assert b'id="digest-form"' in profile.data and "checked" in none
    assert b'id="digest-offline"' in profile.data  # no mail server: the page says nothing is sent
    response = pages.post("/account/digest", data={"email": "bi.thu@example.vn", "digest": "weekly"},
                          follow_redirects=True)
    assert response.status_code == 200 and b"Your choice of e-mail was saved." in response.data
    db.session.expire_all()
    user = world["sec_a1"]
    assert (user.email, user.digest) == ("bi.thu@example.vn", "weekly")


@pytest.mark.parametrize("data, field, message", [
    ({"email": "not an address", "digest": "daily"}, "email", "Enter one e-mail address"),
    ({"email": "a@b.vn, c@d.vn", "digest": "daily"}, "email", "Enter one e-mail address"),
    ({"email": "x" * 250 + "@b.vn", "digest": "daily"}, "email", "Field cannot be longer than 254 characters."),
    ({"email": "", "digest": "daily"}, "digest", "Give an e-mail address"),
    ({"email": "a@b.vn", "digest": "hourly"}, "digest", "Choose one of the options."),
])
def test_a_bad_choice_is_refused_beside_its_field_and_changes_nothing(pages, world, data, field, message):
    pages.login("sec_a1")
    response = pages.post("/account/digest", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert data["email"][:20] in response.get_data(as_text=True)  # what was typed stays
    db.session.expire_all()
    assert (world["sec_a1"].email, world["sec_a1"].digest) == (None, "none")
