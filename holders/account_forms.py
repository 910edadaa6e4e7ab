"""allauth's password forms with the portal's labels (sentence case, plain words).

Named by settings.ACCOUNT_FORMS; allauth's own checks (the current password, the password
validators, the reset key) are unchanged."""

from allauth.account import forms as allauth_forms

LABELS = {
    "oldpassword": "Current password",
    "password1": "New password",
    "password2": "New password again",
}


class SentenceCaseLabels:
    labels = LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            if name in self.fields:
                self.fields[name].label = label
                # allauth repeats the label as a placeholder; the label is on the page.
                self.fields[name].widget.attrs.pop("placeholder", None)


class ChangePasswordForm(SentenceCaseLabels, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(SentenceCaseLabels, allauth_forms.SetPasswordForm):
    labels = {"password1": "Password", "password2": "Password again"}


class ResetPasswordKeyForm(SentenceCaseLabels, allauth_forms.ResetPasswordKeyForm):
    pass
