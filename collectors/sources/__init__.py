"""How a repository is read: the :class:`~collectors.sources.base.Source` interface and its
implementations (local git today)."""
