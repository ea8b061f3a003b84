"""HTTP routes of /api/v1/stats."""

from fastapi import APIRouter

router = APIRouter(tags=["stats"])
