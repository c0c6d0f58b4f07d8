"""Export layer: the sped-up cut and the plan for video editors. No Qt (docs/architecture.md, "Export data flow").

Public API (import from the modules; this package imports nothing, so importing one
module does not pull in PyAV for the others):

- ``render.export_cut(source, plan, out, progress=None, cancel=None, *, preset, crf, fps,
  audio_bitrate, overwrite) -> ExportResult``: H.264 + AAC MP4; thread-safe, cancellable
  (``cancellation.ExportCancelled``).
- ``timeline.write_timeline(out, plan, info, *, fps=None, overwrite=False)``: ``.fcpxml``
  (``fcpxml.py``) or ``.edl`` (``edl.py``).
- ``plan_file.write_plan_json(out, plan, *, inputs=(), extra=None, overwrite=False)``.
- ``output_path.check_output_path`` / ``atomic_output`` / ``write_text_atomic``: the
  refuse-early and temp-file-then-rename rules every output follows.
"""
