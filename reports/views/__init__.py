"""View models, one module per report section: statistics in, rendered HTML out (`build_*` then `render_*`)."""
