"""Document numbers counted from a first one: decisions on the bulk decision page ("123-QĐ/TU",
"124-QĐ/TU"…), certificates when a whole class passed ("12/CN-TTCT", "13/CN-TTCT"…). The first
group of digits counts up; everything else is kept as written, and leading zeros keep the width:
"007/CN-K1-2022" → "008/CN-K1-2022" (the digits of a suffix do not count)."""
import re

DIGITS = re.compile(r"\d+")


def counter_of(first):
    """The group of digits of `first` that counts, or None when it has none."""
    return DIGITS.search(first or "")


def countable(first):
    """Whether `first` holds a number to count from."""
    return counter_of(first) is not None


def counted(first, count):
    """`count` numbers from `first` on, in order."""
    match = counter_of(first)
    start, width = int(match.group()), len(match.group())
    head, tail = first[:match.start()], first[match.end():]
    return [f"{head}{start + n:0{width}d}{tail}" for n in range(count)]
