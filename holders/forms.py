from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row
from django import forms
from localflavor.us.forms import USStateSelect, USZipCodeField

from core.errors import ApplicationError

from .models import HolderProfile
from .selectors import email_claimed_by_account, email_in_use
from .services import (
    CONTACT_FIELDS,
    EMAIL_IN_USE,
    holder_claim_or_create,
)


class SignupNamesForm(forms.Form):
    """Extra fields on allauth's sign-up form; claims an imported record."""

    first_name = forms.CharField(
        max_length=100, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=100, widget=forms.TextInput({"autocomplete": "family-name"})
    )

    def clean(self):
        cleaned_data = super().clean()
        email = cleaned_data.get("email")
        if email and email_claimed_by_account(email=email):
            # An error here told anyone that the address is on file. Answer as for any other
            # address instead: allauth (ACCOUNT_PREVENT_ENUMERATION) then creates no account,
            # shows the usual "verification sent" page and mails the address, which alone
            # learns why (holders.auth.PortalAccountAdapter.send_account_already_exists_mail).
            self.account_already_exists = True
        return cleaned_data

    def signup(self, request, user):
        try:
            holder_claim_or_create(
                user=user,
                first_name=self.cleaned_data["first_name"],
                last_name=self.cleaned_data["last_name"],
            )
        except ApplicationError:
            # Another account claimed the record since clean() looked (a race). This account
            # stays without a record rather than taking it (raising here would be a 500 after
            # the account is saved); once its address is verified, the contact page tells its
            # owner to contact the office (holders.views.ContactDetailsView).
            return


class ContactDetailsForm(forms.ModelForm):
    """Renewal step 1: the holder's contact details."""

    zip_code = USZipCodeField(label="ZIP code", help_text="5 digits, or ZIP+4 such as 80903-1234.")

    class Meta:
        model = HolderProfile
        fields = list(CONTACT_FIELDS)  # what holders.services.holder_update_contact writes
        widgets = {
            "state": USStateSelect(),
            "first_name": forms.TextInput({"autocomplete": "given-name"}),
            "last_name": forms.TextInput({"autocomplete": "family-name"}),
            "email": forms.EmailInput({"autocomplete": "email"}),
            "phone": forms.TextInput({"autocomplete": "tel", "type": "tel"}),
            "street": forms.TextInput({"autocomplete": "street-address"}),
            "city": forms.TextInput({"autocomplete": "address-level2"}),
            "employer": forms.TextInput({"autocomplete": "organization"}),
            "job_title": forms.TextInput({"autocomplete": "organization-title"}),
        }
        help_texts = {
            "phone": "A US number, e.g. (719) 555-0134.",
            "email": "Where renewal notices are sent. A new address is used once you open "
            "the link we email to it.",
        }

    required_fields = ("phone", "street", "city", "state", "zip_code")

    def __init__(self, *args, confirm_year, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].required = True
        self.fields["state"].choices = [("", "Choose a state")] + [
            choice for choice in self.fields["state"].choices if choice[0]
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Name",
                Row(
                    Column("first_name", css_class="col-md-6"),
                    Column("last_name", css_class="col-md-6"),
                ),
            ),
            Fieldset(
                "How to reach you",
                Row(Column("email", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
            ),
            Fieldset(
                "Mailing address",
                "street",
                Row(
                    Column("city", css_class="col-md-6"),
                    Column("state", css_class="col-6 col-md-3"),
                    Column("zip_code", css_class="col-6 col-md-3"),
                ),
            ),
            Fieldset(
                "Work",
                Row(
                    Column("employer", css_class="col-md-6"),
                    Column("job_title", css_class="col-md-6"),
                ),
            ),
            HTML('<div class="d-flex flex-wrap gap-2 mt-3">'),
            StrictButton(
                "Save changes",
                type="submit",
                name="action",
                value="save",
                css_class="btn-outline-primary",
            ),
            StrictButton(
                f"Save and confirm for the {confirm_year} renewal",
                type="submit",
                name="confirm",
                value="confirm",
                css_class="btn-primary",
            ),
            HTML("</div>"),
        )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email_in_use(email=email, exclude_holder=self.instance):
            raise forms.ValidationError(EMAIL_IN_USE)
        return email

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()


class RecordClaimForm(forms.Form):
    """The details that find an imported record (holders.selectors.claimable_record)."""

    number = forms.CharField(
        label="NAAEI member number or credential number",
        max_length=30,
        help_text="Either one: as on your NAAEI membership or your credential certificate.",
        widget=forms.TextInput({"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        max_length=100, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    zip_code = USZipCodeField(
        label="ZIP code",
        help_text="Of the mailing address AASC has for you: 5 digits, or ZIP+4.",
        widget=forms.TextInput({"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    lost_email_access = forms.BooleanField(
        label="I no longer have access to the email address AASC has for me",
        required=False,
        help_text="AASC staff then check your details and email you at your sign-in address.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "number",
            Row(
                Column("last_name", css_class="col-md-7"),
                Column("zip_code", css_class="col-md-5"),
            ),
            "lost_email_access",
            StrictButton("Find my record", type="submit", css_class="btn-primary mt-2"),
        )

    def clean_number(self):
        return self.cleaned_data["number"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()
