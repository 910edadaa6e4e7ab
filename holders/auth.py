def login_identifier(request, credentials):
    """The account a log-in attempt names, for django-axes.

    The portal log-in (allauth) passes `email`, the admin log-in `username`;
    both are the email address, compared case-insensitively.
    """
    credentials = credentials or {}
    post = getattr(request, "POST", {}) or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or post.get("login")
        or post.get("username")
        or ""
    )
    return value.strip().lower()
