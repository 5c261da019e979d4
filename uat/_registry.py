"""One registry pattern for everything that is swept: a name -> object table whose keys are the public option strings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from uat._validation import suggest

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object table; unknown names get an error listing the valid ones and the closest match.

    Parameters
    ----------
    kind : str
        What the entries are, for messages (``"activation"``).
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T, *, overwrite: bool = False) -> T:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self.kind} name must be a Python identifier such as 'my_{self.kind}'; got {name!r}")
        if name in self._entries and not overwrite:
            raise ValueError(f"{self.kind} {name!r} is already registered; pass overwrite=True to replace it")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} must be given by name (a string); got {name!r}")
        try:
            return self._entries[name]
        except KeyError:
            raise ValueError(
                f"unknown {self.kind} {name!r}{suggest(name, self._entries)}; "
                f"valid names: {', '.join(self._entries)}"
            ) from None

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
