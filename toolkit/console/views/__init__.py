"""One blueprint per step of the week; `shared` holds the period choice, downloads and job progress."""
