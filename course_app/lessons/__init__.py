"""The small FastAPI apps and measurements of each lesson, one module per lesson."""
