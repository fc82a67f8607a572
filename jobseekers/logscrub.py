"""No personal data in application logs (Art 9; 職業安定法第5条の5).

`PersonalDataFilter` (installed on every handler in settings.LOGGING, on runserver's request log,
on gunicorn's error and access logs by config/wsgi.py, and on Celery's) rewrites
each record before it is written: jobseeker numbers (求職番号) in any typed form, email
addresses, long secrets (link tokens), the token of a sign-in or reservation link whatever its
length, the password in a URL, and the number, names, email and phone of every jobseeker loaded
in the current request or task are replaced by placeholders.

What identifies the system, not a person, stays, so that an operator can follow a failure:
Celery task ids and other UUIDs, the host and port of a service's URL, reservation references
(`ABCD-2345`: meaningless without the database, and what staff quote on the phone and in a
ticket), row ids, Celery's node names.

"In context": each Jobseeker instance, when created or loaded, registers its values in a
context variable; the usage middleware and Celery's task signals give each request and each
task a fresh one, so the filter knows whose names to look for without anyone passing them.
"""

import contextvars
import logging
import re

NUMBER_PLACEHOLDER = "<jobseeker-number>"
EMAIL_PLACEHOLDER = "<email>"
SECRET_PLACEHOLDER = "<secret>"  # noqa: S105 - a placeholder, not a secret
PERSONAL_PLACEHOLDER = "<personal-data>"

_DIGIT = "[0-9０-９]"
_DASH = "[-－ー‐‑‒–—―−ｰ﹣˗]"
_SEP = rf"(?:[ \u3000]*{_DASH}[ \u3000]*|[ \u3000]+)"
# Five digits, a dash (or a space), up to eight digits; or the thirteen digits run together.
NUMBER_RE = re.compile(
    rf"(?<![0-9０-９A-Za-z]){_DIGIT}{{5}}{_SEP}{_DIGIT}{{1,8}}(?!{_DIGIT})"
    rf"|(?<![0-9０-９A-Za-z]){_DIGIT}{{13}}(?!{_DIGIT})"
)
# The local part without "/", so that a path before an address is not eaten with it. The last
# label of the domain starts with a letter (a top-level domain): `**@127.0.0.1` in a URL is a
# masked password before a host, not an address.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*\b"
)
# Reservation and sign-in link tokens: long runs of URL-safe characters.
SECRET_RE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
# A Celery task id, a row's UUID: identifiers of the system, kept although SECRET_RE matches them.
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The token of a sign-in or reservation link (portal/urls.py), whatever its length: a link
# copied short still holds most of a secret.
LINK_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_.-])(/(?:signin|r)/)[^/\s?#\"'<>]+")
# A URL's scheme and authority: the host and port name a service and stay, a password goes.
URL_AUTHORITY_RE = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)"
    r"(?:(?P<user>[^\s:@/?#]*)(?::(?P<password>[^\s@/?#]*))?@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:@?#\"'<>]*)(?P<port>:[0-9]*)?"
)
# Celery's worker names (`celery@host.example.jp`) are not addresses.
NODE_NAME_LOCAL_PARTS = frozenset({"celery"})

# Values of the jobseekers of the current request or task, longest first.
_context: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "personal_data_in_context", default=()
)
# A management command loading every jobseeker must not grow the list without end.
MAX_CONTEXT_VALUES = 5000

JOBSEEKER_FIELDS = (
    "number",
    "email",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "phone",
)


def personal_data_register(*values: str | None) -> None:
    """Treat these strings as personal data until the current request or task ends."""
    current = _context.get()
    new = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    new = [v for v in new if v not in current]
    if not new:
        return
    merged = tuple(sorted({*current, *new}, key=len, reverse=True))
    _context.set(merged[:MAX_CONTEXT_VALUES])


def personal_data_context_start() -> contextvars.Token:
    return _context.set(())


def personal_data_context_end(token: contextvars.Token) -> None:
    try:
        _context.reset(token)
    except ValueError:
        # Created in another context (a Celery signal pair split across threads): just clear.
        _context.set(())


def personal_data_in_context() -> tuple[str, ...]:
    return _context.get()


def jobseeker_registered(sender, instance, **kwargs) -> None:
    """post_init of Jobseeker: remember the values of every jobseeker this context touches."""
    # Only what is loaded: reading a deferred field here would query the database.
    loaded = instance.__dict__
    personal_data_register(*(loaded.get(name) for name in JOBSEEKER_FIELDS))


def sign_in_token_registered(sender, instance, **kwargs) -> None:
    """post_init of SignInToken: a first visit's typed identity is personal data before it is
    a Jobseeker."""
    payload = instance.__dict__.get("payload")
    if isinstance(payload, dict):
        personal_data_register(*(payload.get(name) for name in JOBSEEKER_FIELDS))


def scrub(text: str) -> str:
    """`text` with every jobseeker number, email, secret and in-context value replaced."""
    if not text:
        return text
    for value in _context.get():
        if value in text:
            text = text.replace(value, PERSONAL_PLACEHOLDER)
    parts = []
    position = 0
    for match in URL_AUTHORITY_RE.finditer(text):
        parts.append(_scrub_outside_authority(text[position : match.start()]))
        parts.append(_authority(match))
        position = match.end()
    parts.append(_scrub_outside_authority(text[position:]))
    return "".join(parts)


def _authority(match: re.Match) -> str:
    """`scheme://user:password@host:port` with the password replaced; the rest is the
    service's address, which an operator needs."""
    userinfo = ""
    if match["user"] is not None:
        userinfo = _scrub_outside_authority(match["user"])
        if match["password"]:
            userinfo += ":" + SECRET_PLACEHOLDER
        elif match["password"] is not None:
            userinfo += ":"
        userinfo += "@"
    return f"{match['scheme']}{userinfo}{match['host']}{match['port'] or ''}"


def _email(match: re.Match) -> str:
    local = match.group().split("@", 1)[0]
    return match.group() if local in NODE_NAME_LOCAL_PARTS else EMAIL_PLACEHOLDER


def _secret(match: re.Match) -> str:
    return match.group() if UUID_RE.fullmatch(match.group()) else SECRET_PLACEHOLDER


def _scrub_outside_authority(text: str) -> str:
    text = EMAIL_RE.sub(_email, text)
    # Tokens before numbers: a hex token may start with thirteen digits, which would otherwise
    # be taken for a 求職番号 and leave the rest of the token outside any placeholder.
    text = LINK_TOKEN_RE.sub(rf"\g<1>{SECRET_PLACEHOLDER}", text)
    text = SECRET_RE.sub(_secret, text)
    return NUMBER_RE.sub(NUMBER_PLACEHOLDER, text)


class PersonalDataFilter(logging.Filter):
    """Rewrite a record's message, exception and stack text without personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string must not lose the record
            message = f"{record.msg} {record.args!r}"
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            # Handlers that format exc_info themselves would bring the raw text back.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install_on_loggers(*names: str) -> None:
    """Put the filter on these loggers themselves, for loggers whose handlers belong to someone
    else (gunicorn sets up, reopens and replaces its own): a logger's filter holds for them all."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(PersonalDataFilter())


def install_on_handlers(logger: logging.Logger) -> None:
    """Add the filter to every handler of `logger` (Celery sets up its own handlers)."""
    for handler in logger.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())


def celery_logger_ready(logger=None, **kwargs) -> None:
    if logger is not None:
        install_on_handlers(logger)
    install_on_handlers(logging.getLogger())


_task_tokens: dict[str, contextvars.Token] = {}


def celery_task_started(task_id=None, **kwargs) -> None:
    _task_tokens[task_id] = personal_data_context_start()


def celery_task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        personal_data_context_end(token)
    else:
        _context.set(())
