# The CEC ledger, AASC classes, reporting forms and submissions arrive with issues 5 and 6.
