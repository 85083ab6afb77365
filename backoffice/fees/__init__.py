"""Fees (« redevances »): the dated fee schedules, the quarterly statements computed from the acts of the case
files and of the accreditations, their numbering, PDF, accounting file and dashboard (docs/fees.md)."""
