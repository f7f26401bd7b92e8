"""Infitah's CKAN plugin: makes the dataset schema and the profile loadable.

The schema (``infitah_dataset.yaml``) is read by ckanext-scheming and the profile by
ckanext-dcat through entry points; the plugin only adds this package's templates.
"""

from __future__ import annotations

import ckan.plugins as p
from ckan.plugins import toolkit


class InfitahPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)

    def update_config(self, config: object) -> None:
        toolkit.add_template_directory(config, "templates")
