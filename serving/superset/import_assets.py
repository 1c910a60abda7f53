"""Import a bundle into Superset, overwriting every object it holds (run by Superset's own python).

``superset import-dashboards`` leaves existing charts, datasets and databases as they were, so a
changed description would not reach an instance set up before; Superset's assets importer (the one
behind ``POST /api/v1/assets/import/``) overwrites them all, by UUID. Usage:
``$SUPERSET_VENV/bin/python import_assets.py BUNDLE.zip USERNAME`` with SUPERSET_CONFIG_PATH set.
This file is never imported by the pipeline: only Superset's virtualenv has these modules.
"""

import sys
from zipfile import ZipFile


def main(path: str, username: str) -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.utils.core import override_user

        with ZipFile(path) as bundle:
            contents = get_contents_from_bundle(bundle)
        contents["metadata.yaml"] = contents["metadata.yaml"].replace('"Dashboard"', '"assets"')
        user = security_manager.find_user(username=username)
        if user is None:
            sys.exit(f"no Superset user {username!r}")
        with override_user(user):
            ImportAssetsCommand(contents).run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
