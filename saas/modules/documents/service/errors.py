"""Refusals of the drive."""

from __future__ import annotations

from saas.modules.clients.service import ClientsError


class DocumentsError(ClientsError):
    """An expected refusal, in Russian and English (kind: validation | not_found | conflict |
    forbidden)."""


def folder_not_found() -> DocumentsError:
    return DocumentsError(
        "not_found",
        "NOT_FOUND",
        "Папка не найдена или недоступна.",
        "Folder not found or not visible to you.",
    )


def file_not_found() -> DocumentsError:
    return DocumentsError(
        "not_found",
        "NOT_FOUND",
        "Файл не найден или недоступен.",
        "File not found or not visible to you.",
    )


def forbidden(code: str, ru: str, en: str) -> DocumentsError:
    return DocumentsError("forbidden", code, ru, en)


def storage_failed() -> DocumentsError:
    return DocumentsError(
        "unavailable",
        "STORAGE_UNAVAILABLE",
        "Хранилище файлов недоступно, файл не сохранён. Повторите попытку позже.",
        "The file storage is unavailable; the file was not saved. Please try again later.",
    )
