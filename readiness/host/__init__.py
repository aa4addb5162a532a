"""The only code that touches the machine.

A host answers five kinds of question, each keyed by a plain string so that an
answer can be recorded (``readiness capture``) and replayed (``--from``):

=========  ==============================  ===========================
kind       key                             value of an ``ok`` answer
=========  ==============================  ===========================
file       ``file:/proc/cpuinfo``          the text
cmd        ``cmd:lscpu -J``                stdout (``exit_code`` set)
dir        ``dir:/sys/bus/pci/devices``    sorted list of names
link       ``link:/sys/.../driver``        the link target
call       ``call:psutil.cpu_count``       JSON-able data
=========  ==============================  ===========================

Probes only ever see ``Host``; live, capturing and replaying hosts are
interchangeable behind it.
"""

__all__ = ["Answer", "Host", "call_key", "cmd_key", "key_for"]


def __getattr__(name: str):
    # On first use: the vendor child (host/vendor_child.py) imports this package and needs none of
    # base's imports before its library answers (issue 18: that child is on a check's critical path).
    if name in __all__:
        from readiness.host import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
