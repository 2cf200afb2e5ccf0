"""Contact-centre simulator."""
