"""Channel kernels: CHUNK (a slice of the channels, SPLIT's paths) and CHANNELSHUFFLE."""
