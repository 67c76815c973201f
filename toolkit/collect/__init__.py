"""Collecting the returned workbooks (issue 4): archive, judge, report, merge into the ledger.

`toolkit collect PERIOD` → collect_period; `toolkit status PERIOD` → period_status (writes nothing).
Modules: inbox (finding and archiving files), book (reading a workbook), judging (one file's identity and rows),
merging (into the ledger), reports (校验报告, 汇总, 退回), command (collect), status. The checks that need no file
or ledger live in toolkit/checks.py.
"""
from toolkit.collect.command import CollectOutcome, collect_period
from toolkit.collect.judging import PASSED, REJECTED, WITH_NOTICES, Context, FileVerdict, judge_file
from toolkit.collect.status import StatusOutcome, period_status

__all__ = ["CollectOutcome", "collect_period", "StatusOutcome", "period_status", "Context", "FileVerdict",
           "judge_file", "PASSED", "WITH_NOTICES", "REJECTED"]
