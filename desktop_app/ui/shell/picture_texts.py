"""The sentences the picture flows say: what a picture's file tells of how it was made, and what was (not) done."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from ...session import DroppedFile, Restored

TOOLS = {"replicate-desktop": "Replicate Desktop", "automatic1111": "AUTOMATIC1111 / Forge", "invokeai": "InvokeAI",
         "comfyui": "ComfyUI"}
_SHOWN = 60  # characters of a prompt or value shown in the bar


class PictureTexts(QObject):
    """One sentence per situation, translated; the picture flows and "Send to…" speak through it."""

    # --- a picture's settings -----------------------------------------------------------------------

    def settings_lines(self, picture: DroppedFile, restored: Restored | None) -> list[str]:
        """What the bar says of a picture: who made it with which model and prompt, what would be restored."""
        settings = picture.settings
        if settings is None or restored is None:
            return [picture.note or self.tr("This picture carries no generation settings.")]
        tool = TOOLS.get(settings.source, settings.source)
        model = settings.model or settings.model_hint
        lines = [self.tr("Made with {0}, model {1}").format(tool, model) if model
                 else self.tr("Made with {0}").format(tool)]
        if settings.prompt:
            lines.append(self.tr("Prompt: {0}").format(_short(settings.prompt)))
        if restored.values:
            shown = ", ".join(f"{name} {_short(str(value), 24)}" for name, value in restored.values.items())
            lines.append(self.tr("Restores: {0}").format(shown))
        if restored.unused:
            lines.append(self.tr("Not used (this model has no such input, or refuses the value): {0}").format(
                ", ".join(f"{name} {_short(value, 24)}" for name, value in restored.unused.items())))
        return lines

    def restore_tip(self, model: str) -> str:
        return self.tr("Choose {0} and put the picture's prompt and settings in its form").format(model)

    def restored(self, model: str, restored: Restored) -> str:
        if restored.unused:
            return self.tr("Restored the settings for {0}; not used: {1}.").format(model, ", ".join(restored.unused))
        return self.tr("Restored the settings for {0}.").format(model)

    def restoring(self, model: str) -> str:
        return self.tr("The settings go into {0}'s form as soon as its inputs are loaded.").format(model)

    # --- where a picture goes -----------------------------------------------------------------------

    def goes_to(self, source: Path, field: str, model: str) -> str:
        return self.tr("{0} goes to “{1}” of {2} with your next message.").format(source.name, field, model)

    def waiting_for_inputs(self, source: Path, model: str) -> str:
        return self.tr("{0} goes to {1}'s image input as soon as its inputs are loaded.").format(source.name, model)

    def mask_kept(self, field: str, model: str) -> str:
        return self.tr("The mask goes to “{0}” of {1} with your next message, and stays for retries.").format(
            field, model)

    def takes_no_picture(self, model: str) -> str:
        return self.tr("{0} takes no picture; choose a model that does.").format(model)

    def no_input(self, model: str, error: Exception) -> str:
        return self.tr("This cannot go to {0}: {1}").format(model, error)

    def no_mask_input(self, model: str) -> str:
        return self.tr("{0} has no mask input; choose an inpainting model to paint a mask for.").format(model)

    def inputs_unknown(self, model: str) -> str:
        return self.tr("The inputs of {0} are not loaded yet; try again in a moment.").format(model)

    def model_changed(self, model: str) -> str:
        return self.tr("The mask was kept, but {0}'s form is no longer shown; choose it again.").format(model)

    def field_refused(self, source: Path, field: str) -> str:
        return self.tr("The form's “{0}” field cannot take {1}.").format(field, source.name)

    # --- what cannot be done ------------------------------------------------------------------------

    def not_a_picture(self, path: Path) -> str:
        return self.tr("{0} is not a picture this app can read (PNG, JPEG, WebP, GIF…).").format(path.name)

    def unreadable(self, path: Path, error: Exception) -> str:
        return self.tr("{0} cannot be read: {1}").format(path.name, error)

    def not_kept(self, error: Exception) -> str:
        return self.tr("The picture could not be kept for the run: {0}").format(error)

    def nothing_to_paste(self) -> str:
        return self.tr("The clipboard holds no picture.")

    def only_local_files(self) -> str:
        return self.tr("Only files on this computer and pictures can be brought in; save the picture first.")


def _short(text: str, length: int = _SHOWN) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
