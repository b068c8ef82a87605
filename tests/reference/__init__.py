"""Independent references written from the kernel sources of 2.6.24 and 2.6.32, not from
``vmwidgets.model``: the tests compare the model against them step by step."""
