"""Public credential verification for employers and property owners (no log-in)."""

from django import forms
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from .selectors import public_credential_lookup

LOOKUPS_PER_HOUR = "30/h"


class VerifyForm(forms.Form):
    number = forms.CharField(label="Credential number", max_length=30)
    last_name = forms.CharField(label="Holder's last name", max_length=100)


def verify_view(request):
    form = VerifyForm(request.GET or None)
    context = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        # Per client, not per connection: "ip" is core.client_ip.client_ip here
        # (RATELIMIT_IP_META_KEY), so behind the proxy each visitor has their own allowance.
        if is_ratelimited(
            request,
            group="credential-verify",
            key="ip",
            rate=LOOKUPS_PER_HOUR,
            increment=True,
        ):
            return render(
                request, "credentials/verify.html", {**context, "throttled": True}, status=429
            )
        context["searched"] = True
        context["credential"] = public_credential_lookup(
            number=form.cleaned_data["number"], last_name=form.cleaned_data["last_name"]
        )
    return render(request, "credentials/verify.html", context)
