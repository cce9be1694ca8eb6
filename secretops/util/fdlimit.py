"""The open-file limit, raised for a command that talks to many API servers at once."""

from __future__ import annotations


def raise_to(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``wanted`` (never past the hard limit); the limit now in force.
    Many systems start with a soft limit of 1,024 and a far higher hard one."""
    try:
        import resource
    except ImportError:  # not POSIX: the platform's own limit stands
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target
