"""Accounts: login lockout, second factor, OpenID Connect, API tokens and chain members."""
