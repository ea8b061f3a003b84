"""One module per page (or per group of a page's actions), each with its own router."""
