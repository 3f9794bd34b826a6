"""What went wrong on the network, as a person can act on it: DNS, TLS, a refused or
dropped connection, a timeout."""

from __future__ import annotations

import socket

import requests

from okrsync.net.policy import Failure


def _chain(error: BaseException) -> list[BaseException]:
    """The error, its causes and the reasons urllib3 wraps inside requests' errors."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop()
        if item is None or any(item is seen for seen in found) or len(found) > 20:
            continue
        found.append(item)
        reason = getattr(item, "reason", None)
        todo += [item.__cause__, item.__context__,
                 reason if isinstance(reason, BaseException) else None]
        todo += [arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException)]
    return found


def network_problem(error: BaseException) -> str | None:
    """'dns' when the host name did not resolve, 'tls' when the TLS handshake or the
    certificate failed, 'refused' when nothing listens; None otherwise."""
    import ssl

    from urllib3.exceptions import NameResolutionError

    chain = _chain(error)
    if any(isinstance(e, NameResolutionError | socket.gaierror) for e in chain):
        return "dns"
    if any(isinstance(e, ssl.SSLError | requests.exceptions.SSLError) for e in chain):
        return "tls"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    return None


def lost_connection(error: BaseException, timeout: float) -> Failure:
    """A timeout or a lost connection, as a Failure to retry (reads only)."""
    if isinstance(error, requests.Timeout):
        return Failure(f"did not answer in time (timeout {timeout:g} s)", lost=True,
                       timeout=timeout)
    if network_problem(error) == "refused":
        return Failure("refused the connection", lost=True)
    return Failure("dropped the connection", lost=True)


def never_sent(error: BaseException) -> bool:
    """Whether the request surely never reached the server (no connection was made), so
    that even a write may be sent again."""
    from urllib3.exceptions import NewConnectionError

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    return any(isinstance(e, NewConnectionError | ConnectionRefusedError)
               for e in _chain(error))
