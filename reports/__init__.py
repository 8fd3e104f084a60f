"""winnow's HTML reports: statistics → view model → one self-contained HTML file."""
