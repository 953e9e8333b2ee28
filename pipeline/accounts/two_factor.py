"""The second factor's arithmetic: TOTP codes (RFC 6238, what authenticator apps make), the QR
code that gives an app its secret, and the one-time recovery codes. Nothing here writes: the
operations (pipeline/accounts/operations.py) keep the secret and the codes' hashes."""
import base64
import hashlib
import io
import re
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg

from pipeline.base.i18n import lazy_gettext as _l

ISSUER = "Kết nạp"
RECOVERY_CODES = 10
# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L): 31 signs, 16 of
# them make about 79 bits, far beyond guessing.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 16
WRONG_CODE = _l("This code is not right. Type the 6 digits your app shows now.")


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, username):
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri):
    """The QR code of `uri`, drawn here as SVG and given as a data: URI for an <img>: no external
    image, no inline style (the Content-Security-Policy allows images from data: only)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grouped(secret):
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret, code, last_step, now=None):
    """The time step whose TOTP code is `code` — the current one or either neighbour (a phone's
    clock a little off) — if it is later than `last_step` (a code is accepted once); else None."""
    digits = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", digits):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in (current, current - 1, current + 1):
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_recovery_codes():
    """RECOVERY_CODES fresh codes, as shown to the user (groups of four)."""
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4))
            for code in ("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
                         for _ in range(RECOVERY_CODES))]


def _normalised(code):
    return re.sub(r"[\s-]", "", code or "").upper()


def code_hash(code):
    return hashlib.sha256(_normalised(code).encode("ascii")).hexdigest()


def recovery_code_hash(code):
    """The hash to look a typed recovery code up by, or None when it cannot be one."""
    normalised = _normalised(code)
    if len(normalised) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in normalised):
        return None
    return code_hash(normalised)
