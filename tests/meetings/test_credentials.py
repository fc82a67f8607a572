"""Credentials per bureau from the environment or a secrets file, with errors that say what is
missing and where it was looked for, and never a value."""

import json

import pytest

from meetings.credentials import credentials_for, variable_name
from meetings.errors import CredentialError
from meetings.providers import ZoomProvider, provider_for

ZOOM = {"account_id": "acct-77", "client_id": "zoom-client", "client_secret": "zs3cr3t-XYZ"}


def env_for(bureau: str, provider: str, values: dict) -> dict:
    return {variable_name(bureau, provider, k): v for k, v in values.items()}


def test_the_variable_name_is_the_bureau_provider_and_field_in_capitals():
    assert variable_name("tokyo", "zoom", "client_secret") == "MEETINGS_TOKYO_ZOOM_CLIENT_SECRET"
    assert variable_name("kyoto-fu", "teams", "tenant_id") == "MEETINGS_KYOTO_FU_TEAMS_TENANT_ID"


def test_credentials_come_from_the_environment():
    found = credentials_for("tokyo", "zoom", environ=env_for("tokyo", "zoom", ZOOM))
    assert found["client_secret"] == "zs3cr3t-XYZ"
    assert found.bureau == "tokyo" and found.provider == "zoom"


def test_credentials_come_from_a_toml_secrets_file(tmp_path):
    path = tmp_path / "meetings.toml"
    path.write_text(
        '[tokyo.zoom]\naccount_id = "acct-77"\nclient_id = "zoom-client"\n'
        'client_secret = "zs3cr3t-XYZ"\n\n[osaka.zoom]\naccount_id = "other"\n'
    )
    found = credentials_for("tokyo", "zoom", environ={"MEETINGS_SECRETS_FILE": str(path)})
    assert found["account_id"] == "acct-77"


def test_credentials_come_from_a_json_secrets_file_and_the_environment_wins(tmp_path):
    path = tmp_path / "meetings.json"
    path.write_text(json.dumps({"tokyo": {"zoom": ZOOM}}))
    environ = {
        "MEETINGS_SECRETS_FILE": str(path),
        "MEETINGS_TOKYO_ZOOM_CLIENT_SECRET": "rotated-secret",
    }
    found = credentials_for("tokyo", "zoom", environ=environ)
    assert found["client_secret"] == "rotated-secret"
    assert found["client_id"] == "zoom-client"


def test_a_missing_field_names_the_variable_and_the_file_section(tmp_path):
    path = tmp_path / "meetings.toml"
    path.write_text('[tokyo.zoom]\naccount_id = "acct-77"\nclient_id = "zoom-client"\n')
    with pytest.raises(CredentialError) as caught:
        credentials_for("tokyo", "zoom", environ={"MEETINGS_SECRETS_FILE": str(path)})
    detail = caught.value.detail
    assert "missing client_secret" in detail
    assert "MEETINGS_TOKYO_ZOOM_CLIENT_SECRET" in detail
    assert f"[tokyo.zoom] in {path}" in detail
    assert "acct-77" not in detail and "zoom-client" not in detail


def test_a_blank_value_counts_as_missing():
    environ = env_for("tokyo", "zoom", {**ZOOM, "client_secret": "  "})
    with pytest.raises(CredentialError, match="missing client_secret"):
        credentials_for("tokyo", "zoom", environ=environ)


def test_nothing_configured_at_all_says_where_to_put_it():
    with pytest.raises(CredentialError) as caught:
        credentials_for("tokyo", "webex", environ={})
    assert "missing client_id, client_secret, refresh_token" in caught.value.detail
    assert "MEETINGS_TOKYO_WEBEX_REFRESH_TOKEN" in caught.value.detail


def test_an_unreadable_secrets_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(CredentialError, match="cannot be read"):
        credentials_for("tokyo", "zoom", environ={"MEETINGS_SECRETS_FILE": str(missing)})


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("s.toml", '[tokyo.zoom]\nclient_secret = "zs3cr3t-XYZ', "not valid toml"),
        ("s.json", '{"tokyo": {"zoom": {"client_secret": "zs3cr3t-XYZ"', "not valid json"),
        ("s.yaml", "tokyo: {}", "must end in .toml or .json"),
        ("s.json", '{"tokyo": {"zoom": ["zs3cr3t-XYZ"]}}', "must be a table of strings"),
        ("s.json", '{"tokyo": {"zoom": {"client_secret": 12345}}}', "must be a string"),
    ],
)
def test_a_malformed_secrets_file_is_a_clear_error_that_quotes_no_value(
    tmp_path, name, text, expected
):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CredentialError) as caught:
        credentials_for("tokyo", "zoom", environ={"MEETINGS_SECRETS_FILE": str(path)})
    assert expected in caught.value.detail
    assert "zs3cr3t-XYZ" not in caught.value.detail and "12345" not in caught.value.detail


def test_the_credentials_repr_names_fields_not_values():
    found = credentials_for("tokyo", "zoom", environ=env_for("tokyo", "zoom", ZOOM))
    text = repr(found) + str(found) + f"{found}"
    assert "client_secret" in text
    for value in ZOOM.values():
        assert value not in text


def test_provider_for_loads_the_bureaus_credentials_before_any_request():
    provider = provider_for("zoom", bureau="tokyo", environ=env_for("tokyo", "zoom", ZOOM))
    assert isinstance(provider, ZoomProvider)
    with pytest.raises(CredentialError):
        provider_for("teams", bureau="tokyo", environ=env_for("tokyo", "zoom", ZOOM))
