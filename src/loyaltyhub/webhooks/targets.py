"""Where a webhook may be sent: ``https`` URLs on public addresses. Private, loopback, link-local and
other special addresses are refused unless ``webhook_allow_private_targets`` (which also allows ``http``),
both when a subscription is saved and at every attempt (the name may resolve elsewhere by then)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class TargetRefused(Exception):
    pass


def _special(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> None:
    """Raise :class:`TargetRefused` with the reason when ``url`` may not be a target."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("must be an http(s) URL with a host")
    if parts.scheme != "https" and not allow_private:
        raise TargetRefused("must use https")
    if parts.username or parts.password:
        raise TargetRefused("must not carry credentials")
    if allow_private:
        return
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise TargetRefused("names a local host")
    try:
        addresses = {host} if _is_ip(host) else _resolve(host) if resolve else set()
    except OSError:
        raise TargetRefused(f"host {host} does not resolve")
    if any(_special(address) for address in addresses):
        raise TargetRefused("resolves to a private, loopback or reserved address")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str) -> set[str]:
    return {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
