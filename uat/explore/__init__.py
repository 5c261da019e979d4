"""The live explorer (``uat explore``): a local page where f, g, the ε-tube, |f − g| with its sup point and
certified bracket, the units and the error-against-width curve follow the settings as they change.

* :mod:`uat.explore.logic`: what to fit and what to show, plain functions of a :class:`~uat.explore.logic.State`
  (tested without a browser);
* :mod:`uat.explore.app`: the Bokeh document and server over them (needs the ``explore`` extra:
  ``pip install 'uat[explore]'``).
"""

from __future__ import annotations

__all__ = ["serve", "require_bokeh", "INSTALL_HINT"]

INSTALL_HINT = "uat explore needs Bokeh, the explore extra: pip install 'uat[explore]' (or pip install bokeh)"


def require_bokeh() -> None:
    """Raise an ImportError saying how to install Bokeh when it is missing."""
    try:
        import bokeh  # noqa: F401
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err


def serve(port: int | None = None, *, open_browser: bool = True, query: str = "", announce=print) -> None:
    """Start the explorer on 127.0.0.1 and serve until interrupted (:func:`uat.explore.app.serve`)."""
    require_bokeh()
    from uat.explore.app import serve as _serve

    _serve(port, open_browser=open_browser, query=query, announce=announce)
