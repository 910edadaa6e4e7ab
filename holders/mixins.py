from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect

from .selectors import holder_for_user


class HolderRequiredMixin(LoginRequiredMixin):
    """Pages about the signed-in holder's own renewal; `self.holder` is their record.

    Staff and reviewer accounts have no holder record unless AASC linked one, so for
    them these pages do not exist (404). A holder account without its record yet is
    sent to the contact details page, which claims or starts it."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.holder = holder_for_user(user=request.user)
            if self.holder is None:
                if request.user.is_staff:
                    raise Http404
                return redirect("holders:profile")
        return super().dispatch(request, *args, **kwargs)
