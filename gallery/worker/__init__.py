"""The worker side of a job: run it (runner), rescue it when its worker died (reaper).

Everything here runs inside django-q2's worker processes (`python manage.py qcluster`), never in
the cluster's parent: the parent forks the workers, so it must not import torch's CUDA state.
The Job row is the source of truth; the broker only says "look at job N".
"""
