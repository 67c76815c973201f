"""Collecting the returned workbooks (issue 4): archive, judge, report, merge into the ledger.

`toolkit collect PERIOD` → collect_period; `toolkit status PERIOD` → ladder.chase_period (period_status with the
催报 ladder's 督办通知单 and 催报记录; period_status alone writes nothing).
Modules: inbox (finding and archiving files), book (reading a workbook), judging (one file's identity and rows),
merging (into the ledger), reports (校验报告, 汇总, 退回), command (collect), status, ladder (催报 steps). The checks that need no file
or ledger live in toolkit/checks.py.
"""
from toolkit.collect.command import CollectOutcome, collect_period
from toolkit.collect.ladder import chase_period
from toolkit.collect.judging import PASSED, REJECTED, WITH_NOTICES, Context, FileVerdict, judge_file
from toolkit.collect.status import StatusOutcome, period_status

__all__ = ["CollectOutcome", "collect_period", "StatusOutcome", "period_status", "chase_period", "Context", "FileVerdict",
           "judge_file", "PASSED", "WITH_NOTICES", "REJECTED"]
