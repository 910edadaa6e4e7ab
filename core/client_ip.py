"""The client's address as the trusted proxies saw it: the one key for every rate limit.

Behind the TLS proxy every connection comes from the proxy, so REMOTE_ADDR is the same for
everybody and a limit keyed on it is one limit for the whole site (ten wrong passwords from
anyone locked every holder out for an hour). Each proxy appends the address it received the
connection from to X-Forwarded-For; whatever stands to the left of those entries was written by
the client and may be forged.

settings.TRUSTED_PROXY_COUNT (env DJANGO_TRUSTED_PROXY_COUNT) says how many proxies in front of
the portal append to the header. With N of them the client is the N-th entry from the right:
the address the internet-facing proxy saw. With 0 (the default) the header is never read, since
the portal then faces clients directly and any X-Forwarded-For is the client's own invention.

django-axes (AXES_CLIENT_IP_CALLABLE), allauth (holders.auth.PortalAccountAdapter) and
django-ratelimit (RATELIMIT_IP_META_KEY) all call client_ip(), so a client is the same client
for every limiter. The header is parsed here rather than by django-ipware: its default engine
skips a private or malformed hop and falls back to another header or to REMOTE_ADDR, and in
strict mode it drops the whole chain when the client added entries of its own; either way a
client could end up counted as the proxy, together with everyone else.
"""

import ipaddress

from django.conf import settings

# An IPv6 subscriber is normally given a whole /64 and can pick a fresh address from it for
# every request, so the /64 is the client (allauth and django-ratelimit mask to /64 as well).
IPV6_CLIENT_PREFIX = 64


def client_ip(request):
    """The address limits and lockouts count against (a string, as axes stores it)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        # Fewer entries than proxies: the request did not come through them all (a health
        # check straight to gunicorn, say), so no entry is one a trusted proxy wrote.
        if len(hops) >= count:
            forwarded = _normalised(hops[-count])
            if forwarded is not None:
                return forwarded
    return _normalised(remote) or remote


def _normalised(value):
    """One spelling per client: no port or brackets, IPv4-mapped IPv6 as IPv4, IPv6 as its /64."""
    value = value.strip()
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False)
        return str(network.network_address)
    return str(address)
