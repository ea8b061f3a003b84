"""The dashboard: server-rendered pages for business owners and operators (docs/dashboard.md)."""
