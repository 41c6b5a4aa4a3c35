"""Renderers: pure formatting of an Analysis (never computing a figure). Each command declares
the formats it renders as its own enum (archcalc/cli/)."""
