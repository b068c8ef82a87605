"""Sphinx configuration of the vmwidgets course site (`make site` builds it into build/site/).

The site is built from a temporary copy of this folder to which the builder adds
``lessons/NN-name.ipynb`` (the executed lessons, their widgets turned into static players)
and ``_static/vmw-page.js`` / ``_static/vmw-page.css`` (the players' runtime).  Building
needs no network, and the pages load nothing from any other host: no CDN, web font,
analytics or intersphinx.
"""

from __future__ import annotations

import vmwidgets  # autodoc documents the installed package (`pip install -e '.[site]'` in a checkout)

project = "vmwidgets"
author = "The vmwidgets authors"
copyright = "the vmwidgets authors, MIT licence"
version = release = vmwidgets.__version__
language = "en"

extensions = [
    "myst_nb",  # Markdown pages and the pre-executed lesson notebooks (it loads myst_parser)
    "sphinx.ext.autodoc",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "lessons/demo-widgets.ipynb"]
root_doc = "index"

# -- MyST and myst-nb ---------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # [text](page.md#a-heading) links
nb_execution_mode = "off"  # the builder executes the lessons before Sphinx sees them
# myst-nb's default loads require.js and @jupyter-widgets/html-manager from cdnjs/jsdelivr on
# every page with widget state; the lessons' widgets are static players instead (vmw-page.js).
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_merge_streams = True
# Three lessons put a "### Words you will meet" box right under their title (H1 to H3),
# which reads well in Jupyter; the site keeps their headings as they are.
suppress_warnings = ["myst.header"]

# -- autodoc ------------------------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"  # the docstrings have no parameter lists to put types in
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True  # flags=VM_MAP, ram=1 << 30: defaults as the source writes them
autoclass_content = "class"  # no __init__ has a docstring (a widget's would be ipywidgets' own)
add_module_names = False
python_display_short_literal_types = True

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"vmwidgets {release}"
html_short_title = "vmwidgets"
html_static_path = ["_static"]  # vmw-page.js and vmw-page.css, put there by the builder
html_js_files = ["vmw-page.js"]
html_css_files = ["vmw-page.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "navigation_with_keys": False,  # ← → step the players on the lesson pages, not the pages
    "top_of_page_buttons": [],
}
pygments_style = "sphinx"
pygments_dark_style = "monokai"


# -- autodoc clean-ups --------------------------------------------------------------------------
def _widget_signature(app, what, name, obj, options, signature, return_annotation):
    """A widget class's signature is its own ``__init__``'s, not traitlets' ``(*args, **kwargs)``."""
    if what != "class" or not isinstance(obj, type) or "__init__" not in vars(obj):
        return None
    if not (signature or "").startswith("(*args"):
        return None
    from sphinx.util.inspect import signature as sphinx_signature
    from sphinx.util.inspect import stringify_signature

    sig = sphinx_signature(obj.__init__, bound_method=True)
    return stringify_signature(sig, show_return_annotation=False, unqualified_typehints=True), None


def _plain_docstrings(app, what, name, obj, options, lines):
    """No docstring of ``int`` under each constant, nor of ``traitlets.Unicode`` under a trait."""
    import traitlets

    if what == "data" and type(obj) is int:
        lines.clear()
    elif isinstance(obj, traitlets.TraitType):
        lines[:] = [obj.help] if obj.help else []


def setup(app):
    app.connect("autodoc-process-signature", _widget_signature)
    app.connect("autodoc-process-docstring", _plain_docstrings)
