"""Demonstration data: the Điện Bàn 2022 source case of DOMAIN.md §5.

`loader.load_demo` builds the organisation (`organisation`), invents deterministic people
(`people`), plans every case's acts (`story`) and applies each act through the real workflow
(`pipeline.workflow.operations`), so the demo's log is judged by the same guards as a user's.
"""
