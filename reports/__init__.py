"""winnow's HTML reports: statistics → view model → one self-contained HTML file.

write_run_report(run_dir, compare=None)   RUNDIR/report.html for a `winnow curate` run folder
write_profile(inputs, output, ...)        profile.html for a raw corpus (`winnow profile`)
snapshot_previous(run_dir)                keep the last run as RUNDIR/previous/ before it is overwritten
print_run_summary / print_profile_summary the rich terminal summaries the CLIs print at the end
"""

from winnow.reports.compare import snapshot_previous
from winnow.reports.profile import write_profile
from winnow.reports.run_report import write_run_report
from winnow.reports.summary import print_profile_summary, print_run_summary

__all__ = [
    "print_profile_summary",
    "print_run_summary",
    "snapshot_previous",
    "write_profile",
    "write_run_report",
]
