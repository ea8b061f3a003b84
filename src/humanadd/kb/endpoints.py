"""HTTP routes of /api/v1/kb."""

from fastapi import APIRouter

router = APIRouter(tags=["kb"])
