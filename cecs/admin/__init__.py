"""The AASC staff workbench for classes, attendance, reporting forms and the CEC ledger.

Every state change goes through the sub-domains' `services`; the admin only collects the input,
checks the role and reports `ApplicationError` through `message_user`. Nothing in the
ledger is deleted here: attendance recorded by mistake is withdrawn, with its reason,
and the history keeps who did what and when. NAAEI reviewers only read.
"""

from . import (  # noqa: F401  (registers)
    attendance,
    calendar,
    classes,
    kinds,
    ledger,
    reporting_forms,
    submissions,
)
