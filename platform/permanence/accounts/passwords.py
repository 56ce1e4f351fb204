"""What a new password must not be: short, common, mostly one character, or the person's own name
or e-mail address. NCSC's advice is length and a block list of common passwords, not complexity
rules; the list is Django's (``data/README.md`` says where it came from)."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt.gz"

TOO_SHORT = f"The password must be at least {MIN_PASSWORD_LENGTH} characters"
TOO_COMMON = "The password is one of the most common passwords, so it is easy to guess. Choose another"
REPEATED = "The password must not be mostly one character or a few characters repeated"
PERSONAL = "The password must not contain your name or email address"


@cache
def common_passwords() -> frozenset[str]:
    """Read once per process: 19,640 lines, lower case."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def problem_with(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """Why ``password`` will not do, in words for the form; None when it will."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if _mostly_repeated(password):
        return REPEATED
    if _is_common(password):
        return TOO_COMMON
    if _is_personal(password, email, name):
        return PERSONAL
    return None


def _mostly_repeated(password: str) -> bool:
    """'aaaaaaaaaaaa', 'aaaaaaaaaaa1', 'abcabcabcabc', 'passwordpassword'."""
    if Counter(password).most_common(1)[0][1] * 2 > len(password) or len(set(password)) < 4:
        return True
    return re.fullmatch(r"(.+?)\1+", password) is not None


def _is_common(password: str) -> bool:
    """On the list as typed, without spaces, or once digits and symbols around it are taken off
    ('Password123456!' is 'password')."""
    common = common_passwords()
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    return any(candidate in common for candidate in {lowered, re.sub(r"\s+", "", lowered), core} if candidate)


def _is_personal(password: str, email: str | None, name: str | None) -> bool:
    squashed = re.sub(r"[\W_]+", "", password.lower())
    words = set()
    if email:
        local = email.lower().split("@")[0]
        words.add(re.sub(r"[\W_]+", "", local))
        words.update(re.split(r"[\W_]+", local))
    if name:
        name = re.sub(r"\(.*?\)", "", name.lower())  # a note in brackets, like "(demo)", is not their name
        words.add(re.sub(r"[\W_]+", "", name))
        words.update(re.split(r"[\W_]+", name))
    return any(len(word) >= 4 and word in squashed for word in words)
