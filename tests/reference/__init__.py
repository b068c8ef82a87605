"""Independent references, written from the kernel sources (not from vmwidgets' model), that
the model is compared against.  Each module cites the kernel file, function and line of
every rule it follows, for 2.6.24 (kernel.org tree, sndrzt/linux-source-2.6.24 @e8fc8216)
and 2.6.32 (sndrzt/linux-2.6.32 @ae8292a5)."""
