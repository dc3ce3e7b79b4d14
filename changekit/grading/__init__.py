"""Grading: nbgrader run on hostile input, in parallel, with feedback and exports.

- ``parallel``: ``grade_assignment``, the ``changekit grade`` run (nothing graded
  twice, one report, the course's grading lock);
- ``pool``: the worker processes it shares submissions among, and how many
  the CPUs and memory this process is allowed can hold;
- ``worker``: one long-lived grading process (imports nbgrader once);
- ``sandbox`` and ``sandbox_entry``: every kernel that runs a submission runs
  in a bubblewrap sandbox with resource limits;
- ``preprocessors``: what the course adds to nbgrader's pipelines;
  ``inert``: trainee HTML made inert in feedback and the formgrader;
- ``gradebook``: the course's folders and gradebook as nbgrader reads them;
- ``feedback``, ``export``, ``dashboard``: what trainees and tutors read;
- ``synthetic`` and ``demo``: a made-up cohort, graded end to end;
- ``commands``: the ``grade``, ``feedback``, ``export`` and ``demo`` subcommands.
"""
