"""The credentials of each bureau's video-service app: from the environment or a secrets file,
never from the database, never in a log line or a repr.

Each field is looked up, in this order:

1. the environment: `MEETINGS_<BUREAU>_<PROVIDER>_<FIELD>`, the bureau's code in capitals with
   anything not a letter or digit as `_` (bureau `tokyo`, Zoom's client secret:
   `MEETINGS_TOKYO_ZOOM_CLIENT_SECRET`);
2. the file named by `MEETINGS_SECRETS_FILE` (`.toml` or `.json`), keyed by bureau code, then
   provider:

       [tokyo.zoom]
       account_id = "…"
       client_id = "…"
       client_secret = "…"

A missing or unreadable file, a field missing everywhere, or a file of the wrong shape is a
`CredentialError` whose detail says which field and where it was looked for (names and paths,
never values).
"""

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .errors import CredentialError

#: What each provider needs (docs/meetings.md says where each value comes from).
FIELDS: dict[str, tuple[str, ...]] = {
    "zoom": ("account_id", "client_id", "client_secret"),
    "webex": ("client_id", "client_secret", "refresh_token"),
    "teams": ("tenant_id", "client_id", "client_secret"),
}

FILE_VARIABLE = "MEETINGS_SECRETS_FILE"


class Credentials:
    """One bureau's credentials for one provider. Its repr names the fields, not the values:
    a traceback that prints locals, or a careless log line, shows no secret."""

    __slots__ = ("bureau", "provider", "_values")

    def __init__(self, bureau: str, provider: str, values: Mapping[str, str]) -> None:
        self.bureau = bureau
        self.provider = provider
        self._values = dict(values)

    def __getitem__(self, field: str) -> str:
        return self._values[field]

    def __repr__(self) -> str:
        return f"<Credentials {self.provider} of bureau {self.bureau}: {', '.join(self._values)}>"

    __str__ = __repr__


def variable_name(bureau: str, provider: str, field: str) -> str:
    return "_".join(
        ["MEETINGS", re.sub(r"[^A-Z0-9]", "_", bureau.upper()), provider.upper(), field.upper()]
    )


def _file_section(path: Path, bureau: str, provider: str) -> Mapping[str, object]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CredentialError(f"{FILE_VARIABLE} {path}: cannot be read ({exc.strerror})") from None
    if path.suffix not in (".toml", ".json"):
        raise CredentialError(f"{FILE_VARIABLE} {path}: must end in .toml or .json")
    # The parsers' messages give a line and column, never the text there.
    try:
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc).split("\n")[0]
    except UnicodeDecodeError:
        reason = "not UTF-8"
    else:
        reason = ""
    if reason:
        raise CredentialError(f"{FILE_VARIABLE} {path}: not valid {path.suffix[1:]}: {reason}")
    section = data.get(bureau, {}) if isinstance(data, dict) else None
    section = section.get(provider, {}) if isinstance(section, dict) else None
    if not isinstance(section, dict):
        raise CredentialError(
            f"{FILE_VARIABLE} {path}: [{bureau}.{provider}] must be a table of strings"
        )
    return section


def credentials_for(
    bureau: str, provider: str, *, environ: Mapping[str, str] | None = None
) -> Credentials:
    """The bureau's credentials for the provider, or CredentialError saying what is missing."""
    if provider not in FIELDS:
        raise CredentialError(f"no credentials are defined for provider {provider!r}")
    environ = os.environ if environ is None else environ
    file_name = environ.get(FILE_VARIABLE, "").strip()
    section = _file_section(Path(file_name), bureau, provider) if file_name else {}
    values: dict[str, str] = {}
    missing = []
    for field in FIELDS[provider]:
        value = environ.get(variable_name(bureau, provider, field))
        if value is None:
            value = section.get(field)
            if value is not None and not isinstance(value, str):
                raise CredentialError(
                    f"{FILE_VARIABLE} {file_name}: {bureau}.{provider}.{field} must be a string"
                )
        if value is None or not value.strip():
            missing.append(field)
        else:
            values[field] = value.strip()
    if missing:
        where = ", ".join(variable_name(bureau, provider, f) for f in missing)
        in_file = f" or under [{bureau}.{provider}] in {file_name}" if file_name else ""
        raise CredentialError(
            f"{provider} credentials of bureau {bureau}: missing {', '.join(missing)} "
            f"(set {where}{in_file})"
        )
    return Credentials(bureau, provider, values)
