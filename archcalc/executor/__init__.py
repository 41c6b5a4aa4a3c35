"""Reference executor: pure NumPy forward/backward kernels, one module per layer family.

Data layout (batch first, channels last, as Keras/TF):
  volumes are float arrays (N, H, W, C); vectors are (N, D). A volume fed to FC is flattened
  in (H, W, C) order, i.e. NumPy's C order of the trailing axes.

Kernel contract (cs231n pairs, typed; a kernel takes what it uses):
  forward(x, [weights,] **hyperparameters, [counter=, rng=, out=, running=, pad_value=])
      -> (out, cache)
  backward(dout, cache, [counter=, dw=]) -> dx, or (dx, grads) for a kind with weights
`weights` maps fixed keys per kind to arrays (`w`, `b`; `alpha`; `gamma`, `beta`); `grads` has
the same keys. Merges take and return lists of arrays. `cache` is a frozen dataclass. Every
matrix product goes through `gemm.gemm`, which tallies the multiply-adds it issues into the
`gemm.MacCounter` passed as `counter`, one record per call labelled "<kind>.forward",
"<kind>.dw" or "<kind>.dx" (kind: conv, local, deconv, fc) — only those kernels take one.
Each family module registers its kinds beside their pairs (`registry.register(Kernel(...))`):
the adapter from a layer's fields to the hyperparameters, how to create its weights, and the
facts the runner, the RF probe, the memory guard and the gradient check need.

Kernels never write into their arguments, except the element-wise ones into `out=` when given
(it may be `x`: the in-place activations); an output may be a view of an input (FLATTEN,
IDENTITY, ADD's backward), so callers must not write into results in place either.
Hyperparameters come resolved by the caller: per-axis pairs `(h, w)`, per-side padding
`((top, bottom), (left, right))` (`p=same` already turned into numbers, asymmetric allowed).

Modules: base (type aliases, weight-key check), gemm (counted products), im2col (strided
windows and their geometry), init (weight initialization); the families, each registering its
kinds: conv (CONV, LOCAL), deconv (DECONV), pool (MAXPOOL, AVGPOOL, GAP), adaptive (the
adaptive pools, ZEROPAD), dense (FC, FLATTEN, IDENTITY), activation (RELU … SOFTMAX, RELU6,
HARDSIGMOID, MAXOUT, softmax_cross_entropy), gated (SILU, GELU, HARDSWISH), norm (BN, LRN,
SCALE, DROPOUT, DROPPATH), layernorm (LAYERNORM, GROUPNORM), channels (CHUNK, CHANNELSHUFFLE),
merge (ADD, MUL, CONCAT, UPSAMPLE); naive (loop oracles, used by tests only).

The network runner, on top of the kernels: geometry (a layer's window resolved for an input
size: `same` padding, ceil overhang), registry (the Kernel record and KERNELS), kernels
(imports every family, so that KERNELS is complete: the same keys as the kinds of
archcalc.layers.REGISTRY that appear in graphs), trace (what a run measured), network
(forward + backward of a Graph -> Trace), storage (which buffer each output lives in: when an
in-place kind may write into its input), probe (receptive fields measured as gradient
supports), gradcheck_net (the whole-network gradient check, and the one central difference the
kernel tests use too), guard (the memory estimate), verify (Trace vs Analysis), stats
(init-stats), report (rendering). docs/executor.md states the conventions.

This package is the only one in archcalc that imports NumPy. The kernel modules import nothing
from archcalc outside the package; the runner reads the Graph and the layers' fields, and only
`verify` imports the analyzer, to compare with it: the executor never calls the analyzer's
rules (tests/executor/test_independence.py and tests/test_verify.py check it).
"""
