"""rubrics package."""
