"""Create the Superset administrator, or set its password (run by Superset's own python).

Usage: ``$SUPERSET_VENV/bin/python admin_user.py USERNAME EMAIL`` with SUPERSET_CONFIG_PATH set and
the password as the first line of standard input: in the arguments (as ``superset fab
create-admin --password`` takes it) any local user could read it in ``/proc/PID/cmdline``.
This file is never imported by the pipeline: only Superset's virtualenv has these modules.
"""

import sys


def main(username: str, email: str) -> None:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        sys.exit("no password on standard input")
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager

        user = security_manager.find_user(username=username)
        if user is not None:
            security_manager.reset_password(user.id, password)
            print(f"Administrator {username} exists; password set from ADMIN_PASSWORD")
            return
        role = security_manager.find_role(security_manager.auth_role_admin)
        if security_manager.add_user(username, "Pipeline", "Admin", email, role, password) is None:
            sys.exit(f"Superset did not create the user {username!r}")
        print(f"Created administrator {username}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
