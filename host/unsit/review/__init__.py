"""Review of synced data on the laptop: daily metrics, sitting bouts, the HTML report, export.

The review reads the tables ``minutes``, ``idle``, ``events`` and ``estimated_times`` of the
store that ``unsit sync`` fills (docs/architecture.md, "Host store") and never writes to it.
Definitions are in docs/metrics.md.
"""
