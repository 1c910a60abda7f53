"""Moving a partition's committed staging files into the lake: plan, record, write, clean up.

One publish writes one file per UTC hour its staged events cover, named after the partition and
the offset range it holds (``manifest.lake_file_name``). The plan is saved as a ``PublishManifest``
before the lake is touched, so an interrupted publish is finished with the same names.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from common.lake import hour_dir

from ..records import TopicPartition
from .durable import commit_temp, file_system, read_ipc, remove
from .hour_files import event_hours, write_hour_files
from .manifest import PublishManifest, lake_file_name
from .staging import StagingArea


def plan(area: StagingArea, lake: Path, tp: TopicPartition) -> PublishManifest | None:
    """What publishing everything staged now would write (``None``: nothing staged)."""
    files = area.files()
    if not files:
        return None
    hours: set[int] = set()
    for f in files:
        hours.update(pc.unique(event_hours(read_ipc(f.path, ["timestamp"]))).to_pylist())
    name = lake_file_name(tp, files[0].first, files[-1].last)
    return PublishManifest(
        inputs=tuple(f.path.name for f in files),
        outputs={h: str((hour_dir(lake, h * 3600) / name).relative_to(lake)) for h in sorted(hours)},
    )


def execute(area: StagingArea, lake: Path, manifest: PublishManifest) -> list[Path]:
    """Write the manifest's outputs (unless all are already there), then delete its inputs and itself."""
    outputs = {h: lake / rel for h, rel in manifest.outputs.items()}
    if not all(p.exists() for p in outputs.values()):
        write_hour_files((read_ipc(area.folder / name) for name in manifest.inputs), area.tmp_folder,
                         lambda hour, tmp: commit_temp(tmp, outputs[hour]))
    remove([area.folder / name for name in manifest.inputs] + [PublishManifest.path(area)])
    return list(outputs.values())


def publish(area: StagingArea, lake: Path, tp: TopicPartition) -> list[Path]:
    """Finish an interrupted publish, then publish every staged file; return the lake files written.

    A file system failure is ``LakeUnavailable``: the staged files stay until a later publish.
    """
    written: list[Path] = []
    with file_system(lake):
        interrupted = PublishManifest.load(area)
        if interrupted is not None:
            written += execute(area, lake, interrupted)
        manifest = plan(area, lake, tp)
        if manifest is not None:
            manifest.save(area)
            written += execute(area, lake, manifest)
    return written
