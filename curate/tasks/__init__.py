"""Task labels: from the data where it has them, else a built-in zh+en rule classifier; rule-file overrides."""
