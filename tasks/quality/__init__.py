"""Data quality: the checks in sql/checks run for a report month; errors gate publication."""
