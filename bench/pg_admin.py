"""PostgreSQL databases for bench/ (run with the project's .venv Python; libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD).

    pg_admin.py create <database>              an empty database
    pg_admin.py rename <database> <new name>   (SQLMesh's state names tables by catalog, i.e. by database name: prod is
                                               built under the name the runs use, then set aside as the template)
    pg_admin.py clone <template> <database>    a copy of <template> (CREATE DATABASE ... TEMPLATE): prod as built once,
                                               without rebuilding it, so every benchmark run starts from the same state
    pg_admin.py drop <database>...             ends their connections first; no error when one does not exist

Names are quoted as identifiers; nothing is pasted into SQL.
"""

import sys

import psycopg2
from psycopg2 import sql


def admin():
    con = psycopg2.connect(dbname="postgres")
    con.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    return con


def main(argv):
    command, names = (argv[0], argv[1:]) if argv else ("", [])
    con = admin()
    try:
        with con.cursor() as cur:
            if command == "create" and len(names) == 1:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(names[0])))
            elif command == "rename" and len(names) == 2:
                old, new = names
                cur.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))
            elif command == "clone" and len(names) == 2:
                template, name = names
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
            elif command == "drop" and names:
                for name in names:
                    cur.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    )
                    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            else:
                raise SystemExit(__doc__)
    finally:
        con.close()


if __name__ == "__main__":
    main(sys.argv[1:])
