"""Supervisors' dashboards: backlogs, ageing, throughput, outcomes, campaigns and workload, within scope."""
