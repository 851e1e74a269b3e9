"""Test-only support code: model fixtures, reviewer tool wrappers and independent checkers."""
