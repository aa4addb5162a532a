"""Probes: one module per subject, each with ``collect(host) -> raw`` and ``parse(raw) -> Result``
(see ``readiness.probes.base``). The list of probes is ``readiness.probes.registry``."""
