"""Locales, catalogs and the extractor for the designers' reply templates."""
