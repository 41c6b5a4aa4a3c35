"""The bridge to PyTorch and ONNX: export a graph as nn.Module source or an ONNX model, import
torch modules and ONNX files as .arch text. torch, onnx and onnxruntime are optional extras
(`archcalc[torch]`, `archcalc[onnx]`); nothing here is imported by the analyzer, and a command
that needs a missing extra says which one to install."""
