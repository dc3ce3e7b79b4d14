"""nbgrader plug-ins for this course: one small preprocessor per job."""
