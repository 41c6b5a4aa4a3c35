"""ADAPTIVEAVGPOOL and ADAPTIVEMAXPOOL kernels (PyTorch's start/end index rule) and ZEROPAD."""
