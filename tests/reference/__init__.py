"""Independent references written from the kernel sources, to compare the model against."""
