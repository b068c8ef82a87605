"""The core kernel model: pure Python, no widget, graphviz or IPython import.

Each module follows a part of the kernel and names the file it mirrors; the
:class:`~vmwidgets.model.kernel.Kernel` class joins them.
"""

__all__: list[str] = []  # a package of modules: import from each (vmwidgets re-exports the public names)
