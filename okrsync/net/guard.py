"""Secrets never cross a network unencrypted: a plain http:// URL to another machine
is refused unless the config allows it."""

from __future__ import annotations

from okrsync.i18n import _, fragment

_LOOPBACK = ("localhost", "::1")


def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host in _LOOPBACK or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_plain_http(url: str, key: str, allow_http: bool, secret: str) -> None:
    """Refuse an http:// URL to another machine unless the config allows it: `secret`
    (the token) would cross the network unencrypted. `key` names the setting, e.g.
    "[jira] server"; the `allow_http` key lives in the same section."""
    from urllib.parse import urlsplit

    from okrsync.errors import ConfigError
    from okrsync.redact import redact_url

    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or allow_http or is_loopback(parts.hostname or ""):
        return
    section = key.split("]")[0] + "]"
    raise ConfigError(_(
        "{key} is {url}, plain http: {secret} would travel unencrypted to {host}. Use "
        "https://, or, on a network you trust, set {section} allow_http = true").format(
        key=key, url=redact_url(url), secret=fragment(secret), host=parts.hostname,
        section=section))
