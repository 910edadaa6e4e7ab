"""Help pages about the association itself: how to reach the office, and the FAQ staff keep.
Public: anyone renewing, signed in or not, may need them."""

from django.views.generic import TemplateView

from .association import published_faq


class ContactView(TemplateView):
    # The details come from the `association` context processor (one cached read).
    template_name = "core/contact.html"


class FaqView(TemplateView):
    template_name = "core/faq.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(entries=published_faq(), **kwargs)


contact_view = ContactView.as_view()
faq_view = FaqView.as_view()
