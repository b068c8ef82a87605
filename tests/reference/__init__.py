"""Independent references written from the kernel sources, to compare the model against.

Each module here models one narrow part of the kernel straight from the era's source (each
rule cites file:function:line), without importing or reading the model's code.
"""
