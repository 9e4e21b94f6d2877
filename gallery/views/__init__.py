"""The gallery's pages, split by area; the job detail page (job_detail.py) is the worker's."""
