"""``SqlAccounts``: console users, their sessions and failed sign-ins in the desk's database
(the rules, roles and hashing are ``bot.accounts``)."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.accounts import (
    FAILURES_PER_ADDRESS,
    FAILURES_PER_NAME,
    FAILURES_PER_USER,
    LONGEST_WAIT,
    LONGEST_WAIT_PER_USER,
    MIN_PASSWORD,
    SESSION_LIFETIME,
    SIGN_IN_WINDOW,
    Agent,
    Role,
    Session,
    check_password,
    hash_password,
    sign_in_wait,
    token_hash,
    valid_name,
)
from bot.errors import AuthenticationError, SignInLimitError, SupportBotError
from bot.handoff.routing import language_codes, stored_languages
from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import agent_sessions as sessions
from bot.storage.schema import agents, sign_in_failures


class SqlAccounts:
    """Console users and sessions (any database SQLAlchemy supports; SQLite by default)."""

    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def add(
        self,
        name: str,
        password: str,
        role: Role | str,
        *,
        now: datetime,
        must_change_password: bool = False,
    ) -> Agent:
        """Create a console user (an existing name is an error, never overwritten)."""
        name = name.strip()
        if not valid_name(name):
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
                    must_change_password=must_change_password,
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
                .values(password_hash=hash_password(password), must_change_password=False)
            )
            if updated.rowcount != 1:
                raise SupportBotError(f"there is no user called {name}")
            db.execute(sessions.delete().where(sessions.c.agent == name))

    def change_own_password(
        self, session: Session, current: str, new: str, *, now: datetime, address: str = ""
    ) -> Session:
        """A signed-in user replaces their password: ``current`` must be right (wrong guesses
        are throttled as sign-ins are) and ``new`` different and long enough. Their other
        sessions end; this one goes on, cleared to do anything (``must_change_password`` off)."""
        if len(new) < MIN_PASSWORD:
            raise SupportBotError(f"a password needs at least {MIN_PASSWORD} characters")
        if new == current:
            raise SupportBotError("choose a password different from the current one")
        name = session.agent.name
        if self._checked(name, current, now=now.astimezone(UTC), address=address) is None:
            raise AuthenticationError("the current password is wrong")
        with self._engine.begin() as db:
            db.execute(
                agents.update()
                .where(agents.c.name == name)
                .values(password_hash=hash_password(new), must_change_password=False)
            )
            db.execute(
                sessions.delete().where(
                    sessions.c.agent == name, sessions.c.token_hash != token_hash(session.token)
                )
            )
        return dataclasses.replace(session, must_change_password=False)

    def remove(self, name: str) -> Agent:
        """Remove a user and end their sessions at once (their conversations' history keeps
        their name). The last admin cannot be removed: someone must be able to manage users."""
        with self._engine.begin() as db:
            row = _row_keeping_an_admin(db, name, leaving=True)
            db.execute(sessions.delete().where(sessions.c.agent == name))
            db.execute(agents.delete().where(agents.c.name == name))
        return Agent(row["name"], Role(row["role"]))

    def get(self, name: str) -> Agent | None:
        with self._engine.connect() as db:
            row = db.execute(agents.select().where(agents.c.name == name)).mappings().first()
        return Agent(row["name"], Role(row["role"])) if row else None

    def all(self) -> list[Agent]:
        with self._engine.connect() as db:
            rows = db.execute(agents.select().order_by(agents.c.name)).mappings()
            return [Agent(r["name"], Role(r["role"]), r["disabled_at"] is not None) for r in rows]

    def languages(self) -> dict[str, tuple[str, ...]]:
        """Every user's languages (``bot.handoff.routing``: English when they have not said)."""
        with self._engine.connect() as db:
            rows = db.execute(sa.select(agents.c.name, agents.c.languages))
            return {str(name): stored_languages(codes) for name, codes in rows}

    def set_languages(self, name: str, languages: object) -> tuple[str, ...]:
        """The languages ``name`` chats in (ISO 639 codes, e.g. ``["en", "it"]`` or "en, it"):
        the queue gives them customers who write in those first."""
        try:
            codes = language_codes(languages)
        except ValueError as error:
            raise SupportBotError(str(error)) from None
        with self._engine.begin() as db:
            updated = db.execute(
                agents.update().where(agents.c.name == name).values(languages=",".join(codes))
            )
            if updated.rowcount != 1:
                raise SupportBotError(f"there is no user called {name}")
        return codes

    def set_disabled(self, name: str, disabled: bool, *, now: datetime) -> Agent:
        """Disable a user (their sessions end at once; they cannot sign in, their history
        stays) or enable them again. The last enabled admin cannot be disabled."""
        with self._engine.begin() as db:
            row = _row_keeping_an_admin(db, name, leaving=disabled)
            db.execute(
                agents.update()
                .where(agents.c.name == name)
                .values(disabled_at=now.astimezone(UTC) if disabled else None)
            )
            if disabled:
                db.execute(sessions.delete().where(sessions.c.agent == name))
        return Agent(row["name"], Role(row["role"]), disabled)

    def ensure_admin(self, *, now: datetime) -> str | None:
        """With no users yet, create ``admin`` with a random password and return it (once)."""
        with self._engine.connect() as db:
            if db.execute(sa.select(sa.func.count()).select_from(agents)).scalar_one():
                return None
        password = secrets.token_urlsafe(12)
        self.add("admin", password, Role.ADMIN, now=now, must_change_password=True)
        return password

    def sign_in(self, name: str, password: str, *, now: datetime, address: str = "") -> Session:
        """A new session for the right name and password; ``AuthenticationError`` otherwise,
        ``SignInLimitError`` while this name or ``address`` must wait (see bot.accounts)."""
        now = now.astimezone(UTC)
        row = self._checked(name, password, now=now, address=address)
        if row is None:
            raise AuthenticationError("wrong user name or password")
        if row["disabled_at"] is not None:  # told only to whoever knows the password
            raise AuthenticationError("this user is disabled: ask an admin")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        with self._engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.expires_at < now))
            db.execute(
                sessions.insert().values(
                    token_hash=token_hash(token),
                    agent=row["name"],
                    csrf_token=csrf,
                    expires_at=expires,
                )
            )
        return Session(
            token,
            Agent(row["name"], Role(row["role"])),
            csrf,
            expires,
            must_change_password=bool(row["must_change_password"]),
        )

    def _checked(
        self, name: str, password: str, *, now: datetime, address: str
    ) -> sa.RowMapping | None:
        """The user's row when ``password`` is theirs, else None (a failure, counted);
        ``SignInLimitError`` while this name or address must wait. The attempt is counted
        before the (slow) password check, so guesses sent at once see each other."""
        keys = _throttle_keys(name, address)
        self._check_failures(keys, now)
        with self._engine.begin() as db:
            inserted = [db.execute(sign_in_failures.insert().values(who=k, at=now)) for k in keys]
            attempt = [result.inserted_primary_key[0] for result in inserted]
        with self._engine.connect() as db:
            row = db.execute(agents.select().where(agents.c.name == name)).mappings().first()
        # Hash even for an unknown name, so timing does not tell which names exist.
        stored = row["password_hash"] if row else hash_password("not a user")
        if not check_password(password, stored) or row is None:
            return None
        with self._engine.begin() as db:  # not a failure after all; this name from here: clean
            db.execute(sign_in_failures.delete().where(sign_in_failures.c.id.in_(attempt)))
            db.execute(sign_in_failures.delete().where(sign_in_failures.c.who == keys[0]))
        return row

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
                if not times:
                    continue
                allowed, longest = _THROTTLES[key.split(":", 1)[0]]
                wait = times[-1] + sign_in_wait(len(times), allowed, longest) - now
                if wait > timedelta(0):
                    raise SignInLimitError(
                        f"too many failed sign-ins: try again in {_in_words(wait)}"
                    )

    def session(self, token: str, *, now: datetime) -> Session | None:
        """The live session for ``token``, or None (unknown, expired, user removed or
        disabled)."""
        query = (
            sa.select(sessions, agents.c.role, agents.c.must_change_password)
            .join(agents, agents.c.name == sessions.c.agent)
            .where(sessions.c.token_hash == token_hash(token), agents.c.disabled_at.is_(None))
        )
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        if row is None:
            return None
        expires = row["expires_at"]
        expires = stored_utc(expires)
        if expires <= now:
            return None
        return Session(
            token,
            Agent(row["agent"], Role(row["role"])),
            row["csrf_token"],
            expires,
            must_change_password=bool(row["must_change_password"]),
        )

    def sign_out(self, token: str) -> None:
        with self._engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.token_hash == token_hash(token)))


def _in_words(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"{seconds} second" + ("s" if seconds != 1 else "")
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


#: Failures allowed at once, and the longest wait, per kind of throttle key (see bot.accounts).
_THROTTLES = {
    "name": (FAILURES_PER_NAME, LONGEST_WAIT),  # this name from this address
    "address": (FAILURES_PER_ADDRESS, LONGEST_WAIT),  # this address, any names
    "user": (FAILURES_PER_USER, LONGEST_WAIT_PER_USER),  # this name, any addresses
}


def _throttle_keys(name: str, address: str) -> list[str]:
    """What a sign-in attempt counts against (the column holds 128 characters). An IPv6
    client is counted by its /64 network: one machine commonly has a whole /64 to itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        client = address[:60]
    else:
        client = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    keys = [f"name:{name[:60]}|{client}"]
    keys += [f"address:{client}"] if client else []
    return [*keys, f"user:{name[:60]}"]


def _row_keeping_an_admin(db: sa.Connection, name: str, *, leaving: bool) -> sa.RowMapping:
    """``name``'s row; refused when there is none, or when ``leaving`` (removed, disabled)
    would leave no admin who can sign in: someone must be able to manage users."""
    row = db.execute(agents.select().where(agents.c.name == name)).mappings().first()
    if row is None:
        raise SupportBotError(f"there is no user called {name}")
    if leaving and row["role"] == Role.ADMIN.value and row["disabled_at"] is None:
        enabled_admins = db.execute(
            sa.select(sa.func.count()).where(
                agents.c.role == Role.ADMIN.value, agents.c.disabled_at.is_(None)
            )
        ).scalar_one()
        if enabled_admins == 1:
            raise SupportBotError(
                f"{name} is the only admin who can sign in",
                hint="add another admin first: supportbot agent add --role admin",
            )
    return row
