"""What every capability stores: the SQL database, its models' base, the one Alembic
history and the message outbox."""
