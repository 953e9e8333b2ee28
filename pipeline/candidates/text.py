"""Vietnamese name handling: store NFC, search without accents or case."""
import unicodedata


def to_nfc(text):
    return unicodedata.normalize("NFC", text or "").strip()


def fold(text):
    """'Phùng Tấn Thắng' -> 'phung tan thang', whatever the normal form of the input.
    đ/Đ is a letter of its own, not a d with a mark, so it is mapped by hand."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())
