"""A tiny real video for the tests, made here with Qt's own encoder (the multimedia module of the `media` extra):
frames of one colour pushed through QVideoFrameInput into a QMediaRecorder, as MPEG-4 in an MP4 file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QImage


async def tiny_mp4(path: Path, colour: QColor, *, width: int = 96, height: int = 64, frames: int = 12) -> bytes:
    """Writes a ``frames``-frame video of ``colour`` at ``path`` (awaiting, never a nested Qt loop); its bytes."""
    from PySide6.QtMultimedia import (
        QMediaCaptureSession,
        QMediaFormat,
        QMediaRecorder,
        QVideoFrame,
        QVideoFrameInput,
    )

    session = QMediaCaptureSession()
    recorder = QMediaRecorder()
    media = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    media.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)  # H.264 is not in Qt's LGPL FFmpeg; MPEG-4 part 2 is
    recorder.setMediaFormat(media)
    recorder.setVideoFrameRate(10)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    errors: list[str] = []
    recorder.errorOccurred.connect(lambda _error, text: errors.append(text))
    source = QVideoFrameInput()
    session.setRecorder(recorder)
    session.setVideoFrameInput(source)
    sent = 0

    def send() -> None:
        nonlocal sent
        while sent < frames:
            image = QImage(width, height, QImage.Format.Format_RGBA8888)
            image.fill(colour)
            frame = QVideoFrame(image)
            frame.setStreamFrameRate(10)
            frame.setStartTime(sent * 100_000)
            frame.setEndTime((sent + 1) * 100_000)
            if not source.sendVideoFrame(frame):
                return  # full: readyToSendVideoFrame asks again
            sent += 1
        if recorder.recorderState() == QMediaRecorder.RecorderState.RecordingState:
            recorder.stop()

    source.readyToSendVideoFrame.connect(send)
    recorder.record()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (sent < frames or recorder.recorderState() != QMediaRecorder.RecorderState.StoppedState) and not errors:
        if loop.time() > deadline:
            raise AssertionError(f"the test video was not written ({sent} of {frames} frames)")
        await asyncio.sleep(0.02)
    if errors:
        raise AssertionError(f"the test video could not be written: {errors}")
    data = await asyncio.to_thread(path.read_bytes)
    assert data[4:8] == b"ftyp" and len(data) > 500, len(data)
    return data
