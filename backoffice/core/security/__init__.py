"""Authentication hardening: login throttling, idle sessions, optional two-factor (TOTP)."""
