"""SQL on a test repository's warehouse, for support/scenario.mjs (run with the project's .venv Python).

    sql_client.py query   duckdb <file> <sql>      rows as a JSON array of objects (read-only connection)
    sql_client.py execute duckdb <file> <sql>      runs a statement that changes data
    sql_client.py query   postgres <database> <sql>
    sql_client.py execute postgres <database> <sql>
    sql_client.py create-database <database>       on the PostgreSQL server (libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD)
    sql_client.py drop-database <database>         ends its connections first; no error when it does not exist

Every value comes in as an argument: nothing is pasted into a shell, and database names are quoted as identifiers.
"""

import datetime
import decimal
import json
import sys


def to_json(value):
    # DuckDB and PostgreSQL return different Python types for the same SQL (PostgreSQL's AVG and ROUND give Decimal,
    # DuckDB's give float): numbers stay numbers, everything else becomes text.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return str(value)


def rows(cursor):
    if cursor.description is None:
        return []
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def duckdb_run(read_only, path, sql):
    import duckdb

    con = duckdb.connect(path, read_only=read_only)
    try:
        return rows(con.execute(sql))
    finally:
        con.close()


def postgres_connect(database, autocommit=False):
    import psycopg2

    con = psycopg2.connect(dbname=database)  # host, port, user and password from libpq's environment variables
    con.autocommit = autocommit
    return con


def postgres_run(read_only, database, sql):
    con = postgres_connect(database)
    try:
        con.set_session(readonly=read_only)
        with con.cursor() as cur:
            cur.execute(sql)
            result = rows(cur)
        con.commit()
        return result
    finally:
        con.close()


def create_database(name):
    from psycopg2 import sql

    con = postgres_connect("postgres", autocommit=True)
    try:
        with con.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        con.close()


def drop_database(name):
    from psycopg2 import sql

    con = postgres_connect("postgres", autocommit=True)
    try:
        with con.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        con.close()


def main(argv):
    command = argv[0] if argv else ""
    if command in ("query", "execute") and len(argv) == 4:
        _, engine, target, statement = argv
        read_only = command == "query"
        if engine == "duckdb":
            result = duckdb_run(read_only, target, statement)
        elif engine == "postgres":
            result = postgres_run(read_only, target, statement)
        else:
            raise SystemExit(f"unknown engine {engine!r}")
        print(json.dumps(result, default=to_json))
    elif command == "create-database" and len(argv) == 2:
        create_database(argv[1])
    elif command == "drop-database" and len(argv) == 2:
        drop_database(argv[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001 - one line for scenario.mjs's error message
        name = f"{type(error).__module__}.{type(error).__name__}".removeprefix("builtins.")
        print(f"{name}: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(1)
