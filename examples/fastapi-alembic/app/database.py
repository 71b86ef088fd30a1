"""The engine, the session factory and the declarative base of the models."""

from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

from .config import get_settings

Base = declarative_base()

_engine = None


def get_engine():
    global _engine
    if _engine is None:
        _engine = create_engine(get_settings().database_url, pool_pre_ping=True)
    return _engine


def get_db():
    """A session per request (FastAPI dependency)."""
    session = sessionmaker(autocommit=False, autoflush=False, bind=get_engine())()
    try:
        yield session
    finally:
        session.close()
