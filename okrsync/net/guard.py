"""Secrets never cross a network unencrypted: a plain http:// URL is refused unless every
hop its bytes take stays on this machine, or the config allows it. The hops are the
server's, and a proxy's when the environment sends the request through one (`http_proxy`,
`all_proxy`, unless `no_proxy` names the host), as the HTTP library will."""

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


def proxy_for(url: str) -> str | None:
    """The proxy the environment sends a request for `url` through, or None: what
    `requests` picks (`http_proxy`, `all_proxy`, …, unless `no_proxy` matches)."""
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(url, get_environ_proxies(url))
    return str(proxy) if proxy else None


def refuse_plain_http(url: str, key: str, allow_http: bool, secret: str, *,
                      url_is_secret: bool = False) -> None:
    """Refuse an http:// URL whose bytes would leave this machine (to the server, or to a
    proxy from the environment) unless the config allows it: `secret` (the token, the
    webhook's URL) would cross the network unencrypted. `key` names the setting, e.g.
    "[jira] server"; the `allow_http` key lives in the same section. A URL that is itself
    a secret (`url_is_secret`, a webhook) is named by its host only."""
    from urllib.parse import urlsplit

    from okrsync.errors import ConfigError
    from okrsync.redact import redact_url

    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or allow_http:
        return
    section = key.split("]")[0] + "]"
    shown = f"{parts.scheme}://{parts.hostname}/…" if url_is_secret else redact_url(url)
    proxy = proxy_for(url)
    if proxy is None:
        if is_loopback(parts.hostname or ""):
            return
        raise ConfigError(_(
            "{key} is {url}, plain http: {secret} would travel unencrypted to {host}. Use "
            "https://, or, on a network you trust, set {section} allow_http = true").format(
            key=key, url=shown, secret=fragment(secret), host=parts.hostname,
            section=section))
    through = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if is_loopback(parts.hostname or "") and is_loopback(through.hostname or "") and (
            through.scheme.lower() in ("http", "https", "")):
        return  # the proxy runs on this machine and so does the server
    raise ConfigError(_(
        "{key} is {url}, plain http, and the environment sends it through the proxy {proxy} "
        "(http_proxy or all_proxy): {secret} would travel unencrypted to {host}. Use "
        "https://, add {server} to no_proxy, or, on a network you trust, set {section} "
        "allow_http = true").format(
        key=key, url=shown, proxy=redact_url(proxy), secret=fragment(secret),
        host=through.hostname, server=parts.hostname, section=section))
