"""`winnow review RUN_DIR`: a local page over a run folder for tuning rules on one's own data.

    winnow review runs/zh1                 # prints http://127.0.0.1:PORT/?token=…; Ctrl-C stops it

What each module holds (one concept each):
    rules.py       the run's rules, and which parameter of each check is its threshold
    whatif.py      what moving thresholds and actions would do, computed from the metric columns
    labels.py      RUN_DIR/labels.jsonl: a curator's right/wrong verdicts per (row id, rule)
    precision.py   per-rule precision from those labels, with a Wilson interval
    views.py       rows as the page shows them: file:line, text around the offending span, label
    rule_edit.py   changed thresholds and actions written into rule-file YAML text, comments kept
    save.py        where the edited rule file goes (a copy, or in place), its diff, and its check
    api.py         the JSON API: one method per endpoint, plain dicts in and out
    server.py      the 127.0.0.1-only HTTP server: token, Host check, CSP, the page
    page.html      the one page (markup, style and script; no external loads)
"""
