from django.utils.functional import SimpleLazyObject

from .roles import is_aasc_staff, is_reviewer


def roles(request):
    user = request.user
    return {
        "is_aasc_staff": SimpleLazyObject(lambda: is_aasc_staff(user)),
        # Reviewers are staff accounts: holders' pages skip the group lookup.
        "is_reviewer": SimpleLazyObject(lambda: user.is_staff and is_reviewer(user)),
    }
