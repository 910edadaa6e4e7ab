import pytest
from django.core import mail

from core.emails import send_templated_email
from tests.factories import ReportingFormFactory


@pytest.mark.django_db
def test_text_is_as_typed_and_html_is_escaped_with_links():
    form = ReportingFormFactory(
        title="O'Neil & <Sons> Expo",
        status="returned",
        returned_reason="Need the instructor's signature <b>here</b>",
    )
    send_templated_email(
        to=form.holder.email,
        template="reporting_form_returned",
        context={"form": form, "holder": form.holder},
    )
    message = mail.outbox[0]
    assert message.to == [form.holder.email]
    assert "O'Neil & <Sons> Expo" in message.subject
    assert "instructor's signature <b>here</b>" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "O&#x27;Neil &amp; &lt;Sons&gt; Expo" in html
    assert "&lt;b&gt;here&lt;/b&gt;" in html
    assert "<b>here</b>" not in html
    assert '<a href="http://127.0.0.1:8000/cecs/forms/' in html
