# The AASC staff workbench for classes, attendance and reporting forms (being written).
