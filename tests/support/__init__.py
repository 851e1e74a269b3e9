"""Test-only support code: independent checkers and tool wrappers the Kubernetes tests share."""
