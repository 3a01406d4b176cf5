"""One settings object, read from the environment (prefix ``JINSHU_``).

Defaults suit a developer's machine: an SQLite file under ``var/`` and 127.0.0.1:8000. Outside
development a secret key must be given; the default one is refused.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JINSHU_", extra="ignore")

    environment: str = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'jinshu.db'}"
    secret_key: str = DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    token_hours: int = 12
    calculator_rate_per_minute: int = 120
    # Supervision: a plan item not completed is flagged when no report came for more days.
    supervision_stale_days: int = 30

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("JINSHU_SECRET_KEY must be set outside development")
        return self


settings = Settings()
