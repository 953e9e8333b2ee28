"""Vietnamese name handling: store NFC, search without accents or case."""
import unicodedata


def to_nfc(text):
    return unicodedata.normalize("NFC", text or "").strip()


def is_latin(ch):
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN ")


def fold(text):
    """'Phùng Tấn Thắng' -> 'phung tan thang', whatever the normal form of the input.
    đ/Đ is a letter of its own, not a d with a mark, so it is mapped by hand.
    Only Latin letters lose their marks; other scripts are recomposed as they were (a Hangul
    syllable decomposes into two or three letters that are no marks), so that the folded text is
    never longer than the NFC text: it fits the same column."""
    kept, base = [], None
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFC", text or "").lower()):
        if unicodedata.combining(ch):
            if base is not None and not is_latin(base):
                kept.append(ch)
            continue  # a mark of a Latin letter, or one on nothing
        base = ch
        kept.append(ch)
    stripped = unicodedata.normalize("NFC", "".join(kept)).replace("đ", "d")
    return " ".join(stripped.split())


# Vietnamese alphabetical order: ă, â, đ, ê, ô, ơ, ư are letters of their own, each after its
# base letter; tone marks only break ties (ngang, huyền, hỏi, ngã, sắc, nặng), as in dictionaries.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE = {letter: f"{10 + rank:02d}" for rank, letter in enumerate(_ALPHABET)}
_TONE_DIGIT = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_WORD_SEPARATOR = "."  # sorts before every letter code: "An" before "Anh", "Anh Ba" after "Anh"
_END_OF_LETTERS = " "  # sorts before the separator: a name that is a prefix of another comes first


def _word_key(word):
    """Two digits per letter: the key is at most about twice the name's length in characters (the
    column holds three times). A letter of another script is one letter, whatever its
    decomposition (a Hangul syllable is two or three jamo that are no marks)."""
    letters, tone = [], "0"
    for composed in unicodedata.normalize("NFC", word.lower()):
        parts = unicodedata.normalize("NFD", composed)
        if not (is_latin(parts[0]) or unicodedata.combining(parts[0])):
            parts = composed
        for ch in parts:
            if ch in _TONE_DIGIT:
                tone = _TONE_DIGIT[ch]
            elif unicodedata.combining(ch) and letters:
                # The breve, circumflex or horn makes another letter of the one before it.
                letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
            else:
                letters.append(ch)
    return "".join(_LETTER_CODE.get(letter, "00") for letter in letters), tone


def name_sort_key(full_name, given_name_first=True):
    """A key whose plain byte order is the Vietnamese order of names, for the database to sort
    by (PostgreSQL with the "C" collation, SQLite as is). Offices list people by given name (the
    last word), then family name and middle names: `given_name_first`; otherwise the name as
    written."""
    words = (full_name or "").split()
    if given_name_first and len(words) > 1:
        words = words[-1:] + words[:-1]
    keys = [_word_key(word) for word in words]
    return (_WORD_SEPARATOR.join(letters for letters, _ in keys) + _END_OF_LETTERS
            + "".join(tone for _, tone in keys))
