"""Workload verdicts: what runs here, how fast and why (docs/workloads.md).

catalogue.py loads models, quantizations and workloads (data files a user can extend);
hardware.py describes the machine (or a what-if machine) in the units the models need;
llm.py, training.py and other.py estimate memory and speed; engine.py places each workload
and words the verdict.
"""
