"""Where a page may send the browser back to after a form."""
from urllib.parse import urlsplit


def safe_next(target):
    """`next` is followed only when it is a path on this site ("/candidates/5"), never a URL
    that leads elsewhere ("https://evil.example", "//evil.example", "/\\evil.example")."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
