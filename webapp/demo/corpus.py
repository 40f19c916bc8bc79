"""A deterministic generator of realistic Chinese demo data for the supply–demand platform.

``build_world(seed, scale)`` returns a :class:`World`: plain-dict organisations, users,
technology needs (技术需求), results (科技成果) and solutions (解决方案). The same seed and
scale always give the same world (one ``random.Random(seed)``, no clock: times are
"days ago" integers). Texts are composed from the topic banks in :mod:`webapp.demo.topics`,
so a need and a result on the same topic share their technical vocabulary; ``World.topic_of``
records the topic of every need, result and solution (the ground truth for the matcher).

The texts and vocabulary are data (``data/*.toml``, read by :mod:`.topics` and
:mod:`.vocabulary`); the drawing is done by :class:`.organizations.Organizations` and
:class:`.listings.Listings` on the state and draws of :class:`.draws.Draws`, and the world's
shape is in :mod:`.world`.

Fixed demo accounts, always the first three users, all with password ``demo-pass-2025``:

- ``enterprise@demo.innomatch.cn``: a member of the first enterprise (posts needs);
- ``institute@demo.innomatch.cn``: a member of the first university (posts results, solutions);
- ``operator@demo.innomatch.cn``: an operator of "InnoMatch 平台运营中心".

Every other account is ``<surname>.<given>.<number>@demo.innomatch.cn`` with the same password.
At scale 1 the world has 71 organisations, about 130-150 users, 320 needs, 320 results and 60
solutions; ``scale`` multiplies every count, and ``INNOMATCH_SIZES`` gives the platform's
reported size (about 20,000 users, 6,600 needs, 4,600 results, 3,000 solutions).
Everything here is invented: names, codes, numbers and phone numbers are made up.
"""

from __future__ import annotations

from .listings import Listings
from .organizations import Organizations
from .world import INNOMATCH_SIZES, Sizes, World

# The sizes come with the generator, for its callers (seed-demo's --scale).
__all__ = ["INNOMATCH_SIZES", "Sizes", "World", "build_world"]


def build_world(seed: int = 2025, scale: float = 1.0, sizes: Sizes | None = None) -> World:
    """Generate the demo world for ``seed``; ``scale`` multiplies the counts of ``sizes``.

    ``sizes`` defaults to the base world (:class:`Sizes`); pass ``INNOMATCH_SIZES`` for the
    platform's full size. The result depends only on the arguments.
    """
    return _Builder(seed, (sizes or Sizes()).scaled(scale)).build()


class _Builder(Organizations, Listings):
    """Builds one world: organisations and their users first, then needs, results, solutions."""

    def build(self) -> World:
        """Draw the whole world, part after part, and return it."""
        self.organizations()
        self.users()
        self.needs()
        self.results()
        self.solutions()
        return self.world
