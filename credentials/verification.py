"""Public credential verification for employers and property owners (no log-in)."""

from django import forms
from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django_ratelimit.core import is_ratelimited

from .selectors import credential_for_verification, credential_standing, public_credential_lookup

LOOKUPS_PER_HOUR = "30/h"

# A renewal card's QR code opens the verification page for its credential at
# /credentials/verify/<id>/<signature>/: the signature is an HMAC of the id under the
# SECRET_KEY, so the address cannot be made from a credential number, nor the next id's
# from one card. Rotating SECRET_KEY turns printed cards' addresses off unless the old
# key stays in SECRET_KEY_FALLBACKS (the signer accepts those too).
_signer = signing.Signer(salt="credentials.verify-card", sep=".")


def verification_signature(*, credential_id):
    return _signer.sign(str(credential_id)).rsplit(".", 1)[1]


def verification_path(*, credential_id):
    signature = verification_signature(credential_id=credential_id)
    return reverse("credentials:verify_credential", args=[credential_id, signature])


def verification_url(*, credential_id):
    """The public address printed on the card and in its QR code."""
    return settings.SITE_URL + verification_path(credential_id=credential_id)


def signature_is_valid(*, credential_id, signature):
    try:
        return _signer.unsign(f"{credential_id}.{signature}") == str(credential_id)
    except signing.BadSignature:
        return False


def _throttled(request):
    # Per client, not per connection: "ip" is core.client_ip.client_ip here
    # (RATELIMIT_IP_META_KEY), so behind the proxy each visitor has their own allowance.
    return is_ratelimited(
        request, group="credential-verify", key="ip", rate=LOOKUPS_PER_HOUR, increment=True
    )


class VerifyForm(forms.Form):
    number = forms.CharField(label="Credential number", max_length=30)
    last_name = forms.CharField(label="Holder's last name", max_length=100)


def verify_view(request):
    form = VerifyForm(request.GET or None)
    context = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        if _throttled(request):
            return render(
                request, "credentials/verify.html", {**context, "throttled": True}, status=429
            )
        context["searched"] = True
        credential = public_credential_lookup(
            number=form.cleaned_data["number"], last_name=form.cleaned_data["last_name"]
        )
        context["credential"] = credential
        if credential is not None:
            context["standing"] = credential_standing(credential=credential)
    return render(request, "credentials/verify.html", context)


def verify_credential_view(request, pk, signature):
    """The page a renewal card's QR code opens: that credential's result, no form to fill.
    A wrong signature is a 404, as is an unknown id; both count against the lookups."""
    if _throttled(request):
        context = {"form": VerifyForm(), "searched": False, "throttled": True}
        return render(request, "credentials/verify.html", context, status=429)
    credential = None
    if signature_is_valid(credential_id=pk, signature=signature):
        credential = credential_for_verification(pk=pk)
    if credential is None:
        raise Http404
    context = {
        "form": VerifyForm(),
        "searched": True,
        "from_card": True,
        "credential": credential,
        "standing": credential_standing(credential=credential),
    }
    return render(request, "credentials/verify.html", context)
