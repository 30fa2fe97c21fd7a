"""Console users and their sign-in sessions: roles, passwords, tokens (stored by
``bot.storage.accounts``).

* Passwords are stored only as salted scrypt hashes and checked in constant time.
* A session is a random token (the API's bearer token, and the console's cookie); only its
  SHA-256 is stored, so a copy of the database signs nobody in. Each session has its own
  CSRF token, which the console sends back with every change it makes.
* Roles: ``agent`` (chats), ``lead`` (also review and reports), ``admin`` (also users).
* No default password: ``ensure_admin`` creates the first admin with a random password,
  returned once for the operator to note.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: scrypt parameters (2**14 rounds, 8 MB): about 50 ms per sign-in on this machine's CPU.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_LIFETIME = timedelta(hours=12)
#: Failed sign-ins allowed at once for one user name from one client address, and from one
#: address whatever the names; beyond them each further try from there waits twice as long as
#: the last (2 s, 4 s, 8 s ... at most ``LONGEST_WAIT``). Guesses at one name spread over many
#: addresses slow that name down too, but gently (after ``FAILURES_PER_USER``, at most
#: ``LONGEST_WAIT_PER_USER``), so that its owner is never locked out. Failures are forgotten
#: after ``SIGN_IN_WINDOW``, and a name's from an address on a good sign-in from it.
FAILURES_PER_NAME = 3
FAILURES_PER_ADDRESS = 20
FAILURES_PER_USER = 10
SIGN_IN_WINDOW = timedelta(hours=1)
LONGEST_WAIT = timedelta(minutes=15)
LONGEST_WAIT_PER_USER = timedelta(minutes=1)
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,38}[A-Za-z0-9]$")


class Role(enum.StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"

    def can(self, needed: Role) -> bool:
        order = (Role.AGENT, Role.LEAD, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Agent:
    name: str
    role: Role
    disabled: bool = False  # kept with their history, but cannot sign in


@dataclass(frozen=True)
class Session:
    token: str  # only ever known to the client that signed in
    agent: Agent
    csrf_token: str
    expires_at: datetime
    must_change_password: bool = False  # nothing else is allowed until they have


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


def sign_in_wait(failures: int, allowed: int, longest: timedelta = LONGEST_WAIT) -> timedelta:
    """How long after the last of ``failures`` recent failures the next try must wait."""
    if failures < allowed:
        return timedelta(0)
    return min(longest, timedelta(seconds=2 ** min(failures - allowed + 1, 20)))


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
