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

from readiness.host.base import Answer, Host, call_key, cmd_key, key_for

__all__ = ["Answer", "Host", "call_key", "cmd_key", "key_for"]
