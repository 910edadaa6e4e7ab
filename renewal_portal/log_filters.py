import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class RedactEmails(logging.Filter):
    """Log lines carry no email addresses (personal data); errors still say what failed."""

    def filter(self, record):
        message = record.getMessage()
        if EMAIL.search(message):
            record.msg = EMAIL.sub("[email]", message)
            record.args = ()
        return True
