"""Sending e-mail, only where a mail server is configured (MAIL_SERVER): without one nothing here
opens a connection, so the application works fully offline."""
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid
from datetime import datetime, timezone

from flask import current_app


class MailFailed(Exception):
    """The mail server could not be reached or refused the session."""


def mail_configured(config=None):
    config = config or current_app.config
    return bool(config.get("MAIL_SERVER"))


def sender(config):
    return config.get("MAIL_FROM") or f"ket-nap@{config['MAIL_SERVER']}"


def message(config, to, subject, text, html):
    """A message with a plain-text and an HTML part."""
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender(config)
    mail["To"] = formataddr(to)
    mail["Date"] = format_datetime(datetime.now(timezone.utc))
    mail["Message-ID"] = make_msgid(domain=str(config["MAIL_SERVER"]))
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def send_messages(messages, config=None):
    """Send every message over one connection; (sent, refused addresses). Raises MailFailed when the
    server cannot be reached or refuses the login."""
    config = config or current_app.config
    sent, refused = 0, []
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=config.get("MAIL_TIMEOUT") or 30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for mail in messages:
                try:
                    smtp.send_message(mail)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
                    refused.append(mail["To"])
                else:
                    sent += 1
    except (OSError, smtplib.SMTPException) as error:
        raise MailFailed(f"{config['MAIL_SERVER']}:{config.get('MAIL_PORT')}: {error}") from error
    return sent, refused
