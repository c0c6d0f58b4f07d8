"""media layer (docs/architecture.md, "Playback data flow"): everything that touches PyAV for playback and scoring.

- ``probe.probe(path) -> MediaInfo``: what a file holds, or one clear ``MediaError``.
- ``decode_worker.DecodeWorker``: the decode thread feeding ``FrameQueue``s with
  generation-tagged ``VideoFrame``/``AudioChunk``/``EndOfStream``; frame-accurate seek.
- ``frame_reader.ModelFrameReader``: frames squashed to model size with their times.
- ``source.MediaSource``: an opened file, the clear open errors, source-time arithmetic.

Submodules are imported explicitly (``from player.media.probe import probe``) so that
importing one does not pull in the others.
"""
