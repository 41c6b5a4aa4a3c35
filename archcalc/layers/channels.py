"""Channel kinds: CHUNK (one of n equal channel groups, the head of each SPLIT path) and
CHANNELSHUFFLE (ShuffleNet's channel interleaving)."""
