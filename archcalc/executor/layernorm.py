"""LAYERNORM and GROUPNORM kernels: normalization over channels (or channel groups) at each
position, with batch-independent statistics."""
