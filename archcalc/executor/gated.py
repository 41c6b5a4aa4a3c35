"""Gated activation kernels: SILU, GELU, HARDSWISH (x times a gate of x)."""
