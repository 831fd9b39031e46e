"""What differs across the Home Assistant releases the integration supports (see README).

From 2026.9 Home Assistant validates with probatio and aliases `voluptuous` to it; before,
`voluptuous` is the real library, which probatio mirrors. Importing `voluptuous` works on
both; the types are probatio's, as on the newest release.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["vol"]
