"""Console users and their sign-in sessions, in the support desk's database.

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
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.database import database_engine, stored_utc
from bot.errors import AuthenticationError, SignInLimitError, SupportBotError

#: scrypt parameters (2**14 rounds, 8 MB): about 50 ms per sign-in on this machine's CPU.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_LIFETIME = timedelta(hours=12)
#: Failed sign-ins allowed per user name, and per client address, within ``SIGN_IN_WINDOW``;
#: beyond them sign-in is refused until the oldest failure leaves the window.
FAILURES_PER_NAME = 5
FAILURES_PER_ADDRESS = 20
SIGN_IN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,38}[A-Za-z0-9]$")

metadata = sa.MetaData()
agents = sa.Table(
    "agents",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("who", sa.String(128), nullable=False, index=True),  # name:<n> or address:<ip>
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


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


@dataclass(frozen=True)
class Session:
    token: str  # only ever known to the client that signed in
    agent: Agent
    csrf_token: str
    expires_at: datetime


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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Console users and sessions (any database SQLAlchemy supports; SQLite by default)."""

    def __init__(self, url: str) -> None:
        self._engine = database_engine(url)
        metadata.create_all(self._engine)

    def add(self, name: str, password: str, role: Role | str, *, now: datetime) -> Agent:
        """Create a console user (an existing name is an error, never overwritten)."""
        name = name.strip()
        if not _NAME.match(name):
            raise SupportBotError(
                "a user name is 2-40 letters, digits, spaces, dots, dashes or underscores"
            )
        if len(password) < MIN_PASSWORD:
            raise SupportBotError(f"a password needs at least {MIN_PASSWORD} characters")
        try:
            role = Role(role)
        except ValueError:
            raise SupportBotError(
                f"role must be one of {', '.join(r.value for r in Role)}"
            ) from None
        with self._engine.begin() as db:
            if db.execute(agents.select().where(agents.c.name == name)).first() is not None:
                raise SupportBotError(f"there is already a user called {name}")
            db.execute(
                agents.insert().values(
                    name=name,
                    password_hash=hash_password(password),
                    role=role.value,
                    created_at=now,
                )
            )
        return Agent(name, role)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise SupportBotError(f"a password needs at least {MIN_PASSWORD} characters")
        with self._engine.begin() as db:
            updated = db.execute(
                agents.update()
                .where(agents.c.name == name)
                .values(password_hash=hash_password(password))
            )
            if updated.rowcount != 1:
                raise SupportBotError(f"there is no user called {name}")
            db.execute(sessions.delete().where(sessions.c.agent == name))

    def get(self, name: str) -> Agent | None:
        with self._engine.connect() as db:
            row = db.execute(agents.select().where(agents.c.name == name)).mappings().first()
        return Agent(row["name"], Role(row["role"])) if row else None

    def all(self) -> list[Agent]:
        with self._engine.connect() as db:
            rows = db.execute(agents.select().order_by(agents.c.name)).mappings()
            return [Agent(r["name"], Role(r["role"])) for r in rows]

    def ensure_admin(self, *, now: datetime) -> str | None:
        """With no users yet, create ``admin`` with a random password and return it (once)."""
        with self._engine.connect() as db:
            if db.execute(sa.select(sa.func.count()).select_from(agents)).scalar_one():
                return None
        password = secrets.token_urlsafe(12)
        self.add("admin", password, Role.ADMIN, now=now)
        return password

    def sign_in(self, name: str, password: str, *, now: datetime, address: str = "") -> Session:
        """A new session for the right name and password; ``AuthenticationError`` otherwise,
        ``SignInLimitError`` after too many failures for the name or from ``address``."""
        now = now.astimezone(UTC)
        who = [f"name:{name[:100]}"] + ([f"address:{address[:100]}"] if address else [])
        self._check_failures(who, now)
        with self._engine.connect() as db:
            row = db.execute(agents.select().where(agents.c.name == name)).mappings().first()
        # Hash even for an unknown name, so timing does not tell which names exist.
        stored = row["password_hash"] if row else hash_password("not a user")
        if not check_password(password, stored) or row is None:
            with self._engine.begin() as db:
                db.execute(sign_in_failures.insert(), [{"who": w, "at": now} for w in who])
            raise AuthenticationError("wrong user name or password")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        with self._engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.expires_at < now))
            db.execute(sign_in_failures.delete().where(sign_in_failures.c.who == who[0]))
            db.execute(
                sessions.insert().values(
                    token_hash=_token_hash(token),
                    agent=row["name"],
                    csrf_token=csrf,
                    expires_at=expires,
                )
            )
        return Session(token, Agent(row["name"], Role(row["role"])), csrf, expires)

    def _check_failures(self, who: list[str], now: datetime) -> None:
        since = now - SIGN_IN_WINDOW
        with self._engine.begin() as db:
            db.execute(sign_in_failures.delete().where(sign_in_failures.c.at < since))
            for key in who:
                times = sorted(
                    stored_utc(at)
                    for at in db.execute(
                        sa.select(sign_in_failures.c.at).where(sign_in_failures.c.who == key)
                    ).scalars()
                )
                limit = FAILURES_PER_NAME if key.startswith("name:") else FAILURES_PER_ADDRESS
                if len(times) >= limit:
                    wait = times[-limit] + SIGN_IN_WINDOW - now
                    minutes = max(1, -(-int(wait.total_seconds()) // 60))
                    raise SignInLimitError(
                        f"too many failed sign-ins: try again in {minutes} minute"
                        + ("s" if minutes != 1 else "")
                    )

    def session(self, token: str, *, now: datetime) -> Session | None:
        """The live session for ``token``, or None (unknown, expired, or user removed)."""
        query = (
            sa.select(sessions, agents.c.role)
            .join(agents, agents.c.name == sessions.c.agent)
            .where(sessions.c.token_hash == _token_hash(token))
        )
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        if row is None:
            return None
        expires = row["expires_at"]
        expires = stored_utc(expires)
        if expires <= now:
            return None
        return Session(token, Agent(row["agent"], Role(row["role"])), row["csrf_token"], expires)

    def sign_out(self, token: str) -> None:
        with self._engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))
