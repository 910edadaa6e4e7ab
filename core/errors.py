"""The one error type for a refusal a person reads: every app raises it, views and admin
actions show its message. It lives on the ground floor so that no app has to import another
app's services just to raise or catch it."""


class ApplicationError(Exception):
    """A domain rule refused the operation; the message is for the person."""
