"""Rule files: YAML with named sections (mappers, checks, language, dedup, tasks, mix, split).

Each section is parsed by the parser registered for it (`winnow.curation.rulefile.sections.section`); the whole file is
validated before any data is read and every problem is reported at once.
"""
